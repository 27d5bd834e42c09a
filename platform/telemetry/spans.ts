import {
  type Attributes,
  type Context,
  context,
  createContextKey,
  type Span,
  type SpanKind,
  SpanStatusCode,
  type Tracer,
  trace,
} from "@opentelemetry/api";
import { ATTR_ERROR_TYPE } from "@opentelemetry/semantic-conventions";
import { summarizeError } from "../log.ts";
import type { FinishedSpan, FinishedSpanRecorder } from "./finished-spans.ts";

/** The tracer spans are made with while tracing is on; undefined (and every helper a no-op) while off. */
let current: Tracer | undefined;
/** Records spans of work already done (see finished-spans.ts), while tracing is on. */
let finished: FinishedSpanRecorder | undefined;

/** Called by `startTracing` and its shutdown only. */
export const setTracer = (tracer: Tracer | undefined, recorder: FinishedSpanRecorder | undefined) => {
  current = tracer;
  finished = recorder;
};

/**
 * Records a span of work already done (a request answered before any middleware ran); returns its
 * context for the work's log line. Undefined while tracing is off.
 */
export const recordFinishedSpan = (span: FinishedSpan) => finished?.(span);

/** The current span's ids (for a log line), or undefined outside every span and while tracing is off. */
export const currentSpanContext = () => trace.getSpan(context.active())?.spanContext();

/** True while spans are recorded and exported. */
export const tracingOn = () => current !== undefined;

const SERVICE = createContextKey("fastr.service");

/** The service (module) the work in `ctx` belongs to: set where a request, call or event enters it. */
export const serviceOf = (ctx: Context = context.active()) => ctx.getValue(SERVICE) as string | undefined;

/** `ctx`, as belonging to `service`: spans started in it are that service's. */
export const inService = (ctx: Context, service: string) => ctx.setValue(SERVICE, service);

export type SpanSpec = {
  kind: SpanKind;
  attributes?: Attributes;
  /** The context the span is a child of (default: the current one). */
  parent?: Context;
};

/**
 * Runs `fn` as the current span `name`, ending it when `fn` settles. A throw sets the span's status
 * to ERROR with the error in one line, redacted as logs are (no bound values); it is rethrown.
 * Without a tracer, just runs `fn`.
 * @example await traced("order.checkout", { kind: SpanKind.INTERNAL }, () => checkout(input));
 */
export function traced<T>(name: string, spec: SpanSpec, fn: (span?: Span) => Promise<T>): Promise<T> {
  const tracer = current;
  if (!tracer) return fn();
  const parent = spec.parent ?? context.active();
  const span = tracer.startSpan(name, { kind: spec.kind, attributes: spec.attributes ?? {} }, parent);
  return context.with(trace.setSpan(parent, span), async () => {
    try {
      return await fn(span);
    } catch (error) {
      failed(span, error);
      throw error;
    } finally {
      span.end();
    }
  });
}

/**
 * A span that is not made current (one of a batch, say): the caller ends it. Undefined while off.
 * @example const span = startSpan(`publish ${e.type}`, { kind: SpanKind.PRODUCER, parent }); … span?.end();
 */
export function startSpan(name: string, spec: SpanSpec): Span | undefined {
  return current?.startSpan(
    name,
    { kind: spec.kind, attributes: spec.attributes ?? {} },
    spec.parent ?? context.active(),
  );
}

/**
 * `traced` for work at a port (a SQL statement, a Redis command, a call to another service): only
 * inside something already traced, so background polls and start-up make no traces of their own.
 * @example return tracedChild("GET", { kind: SpanKind.CLIENT, attributes }, () => redis.get(key));
 */
export function tracedChild<T>(name: string, spec: SpanSpec, fn: (span?: Span) => Promise<T>): Promise<T> {
  if (!current || !trace.getSpan(spec.parent ?? context.active())) return fn();
  return traced(name, spec, fn);
}

/**
 * `tracedChild` for work that starts no spans of its own (a SQL statement, a Redis command): its span
 * is not made current, so running it costs no context switch, only the span.
 * @example return tracedLeaf("GET", { kind: SpanKind.CLIENT, attributes }, () => redis.get(key));
 */
export function tracedLeaf<T>(name: string, spec: SpanSpec, fn: () => Promise<T>): Promise<T> {
  const tracer = current;
  if (!tracer) return fn();
  const parent = spec.parent ?? context.active();
  if (!trace.getSpan(parent)) return fn();
  const span = tracer.startSpan(name, { kind: spec.kind, attributes: spec.attributes ?? {} }, parent);
  const fail = (error: unknown): never => {
    failed(span, error);
    span.end();
    throw error;
  };
  let pending: Promise<T>;
  try {
    pending = fn();
  } catch (error) {
    // A throw before the work started rejects, as it did through `traced`.
    return Promise.resolve().then(() => fail(error));
  }
  return pending.then((result) => {
    span.end();
    return result;
  }, fail);
}

/** Marks `span` failed by `error`: its status, its one-line summary, its type. */
export function failed(span: Span, error: unknown) {
  span.setStatus({ code: SpanStatusCode.ERROR, message: summarizeError(error) });
  const e = error as { code?: unknown; name?: unknown } | null;
  const type = typeof e?.code === "string" ? e.code : typeof e?.name === "string" ? e.name : "Error";
  span.setAttribute(ATTR_ERROR_TYPE, type);
}
