import {
  type Context,
  context,
  defaultTextMapGetter,
  defaultTextMapSetter,
  ROOT_CONTEXT,
} from "@opentelemetry/api";
import { W3CTraceContextPropagator } from "@opentelemetry/core";
import { tracingOn } from "./spans.ts";

const w3c = new W3CTraceContextPropagator();

/** W3C trace context as it travels in headers and in event envelopes. */
export type TraceCarrier = { traceparent?: string; tracestate?: string };

const headerGetter = {
  get: (headers: Headers, key: string) => headers.get(key) ?? undefined,
  keys: (headers: Headers) => [...headers.keys()],
};

/** The context a request's `traceparent` (and `tracestate`) header names, or the root context. */
export const contextFromHeaders = (headers: Headers): Context =>
  headers.has("traceparent") ? w3c.extract(ROOT_CONTEXT, headers, headerGetter) : ROOT_CONTEXT;

/** The context an event envelope (or any record with `traceparent`) carries, or the root context. */
export const contextFromCarrier = (carrier: TraceCarrier): Context =>
  carrier.traceparent ? w3c.extract(ROOT_CONTEXT, carrier, defaultTextMapGetter) : ROOT_CONTEXT;

/**
 * The current span as W3C trace context (`{ traceparent, tracestate? }`), to send along with a call
 * or store with an event; `{}` when tracing is off or nothing is traced.
 * @example fetch(url, { headers: { ...traceHeaders() } })
 */
export function traceHeaders(ctx: Context = context.active()): TraceCarrier {
  if (!tracingOn()) return {};
  const carrier: Record<string, string> = {};
  w3c.inject(ctx, carrier, defaultTextMapSetter);
  return carrier;
}
