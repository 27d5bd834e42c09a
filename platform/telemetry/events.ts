import { context, ROOT_CONTEXT, SpanKind, trace } from "@opentelemetry/api";
import { suppressTracing } from "@opentelemetry/core";
import type { EventEnvelope } from "../../contracts/events.ts";
import { contextFromCarrier, type TraceCarrier, traceHeaders } from "./propagation.ts";
import { failed, inService, startSpan, traced, tracingOn } from "./spans.ts";

// Messaging semantic conventions (still incubating, so spelled out here rather than imported).
const MESSAGING_SYSTEM = "messaging.system";
const MESSAGING_OPERATION_NAME = "messaging.operation.name";
const MESSAGING_OPERATION_TYPE = "messaging.operation.type";
const MESSAGING_DESTINATION_NAME = "messaging.destination.name";
const MESSAGING_CONSUMER_GROUP_NAME = "messaging.consumer.group.name";
const MESSAGING_MESSAGE_ID = "messaging.message.id";

const eventAttributes = (event: EventEnvelope, system: string) => ({
  [MESSAGING_SYSTEM]: system,
  [MESSAGING_DESTINATION_NAME]: event.type.split(".")[0] ?? event.type,
  [MESSAGING_MESSAGE_ID]: event.id,
  "fastr.event.type": event.type,
});

/**
 * The trace context to store with events written now: the current span's, so that publishing and
 * handling them join the trace of the work that wrote them (a checkout). Empty while tracing is off.
 */
export const traceContextForEvents = (): TraceCarrier => traceHeaders();

/**
 * Publishes `service`'s `events`, each in a PRODUCER span `publish <type>` that is a child of the
 * context the event was written in; each envelope leaves carrying its own span, so the consumers'
 * spans are its children. While tracing is off, just publishes.
 * @example await publishTraced("order", events, bus.kind, (e) => bus.publish(e));
 */
export async function publishTraced(
  service: string,
  events: readonly EventEnvelope[],
  system: string,
  publish: (events: readonly EventEnvelope[]) => Promise<void>,
): Promise<void> {
  if (!tracingOn()) return publish(events);
  const spans = events.map((event) =>
    startSpan(`publish ${event.type}`, {
      kind: SpanKind.PRODUCER,
      parent: inService(contextFromCarrier(event), service),
      attributes: {
        ...eventAttributes(event, system),
        [MESSAGING_OPERATION_NAME]: "publish",
        [MESSAGING_OPERATION_TYPE]: "send",
      },
    }),
  );
  const carrying = events.map((event, i) => {
    const { traceparent: _, tracestate: __, ...rest } = event;
    const span = spans[i];
    return span ? { ...rest, ...traceHeaders(trace.setSpan(ROOT_CONTEXT, span)) } : event;
  });
  try {
    await publish(carrying);
  } catch (error) {
    for (const span of spans) if (span) failed(span, error);
    throw error;
  } finally {
    for (const span of spans) span?.end();
  }
}

/**
 * `handle`, run for each delivery in a CONSUMER span `process <type>` that belongs to `service` and
 * is a child of the context the envelope carries: `order.paid` handled by notification joins the
 * checkout's trace. While tracing is off, just handles.
 * @example bus.subscribe("notification", tracedHandler("notification", "notification", bus.kind, handle));
 */
export function tracedHandler(
  service: string,
  consumer: string,
  system: string,
  handle: (event: EventEnvelope) => Promise<void>,
): (event: EventEnvelope) => Promise<void> {
  return (event) => {
    if (!tracingOn()) return handle(event);
    return traced(
      `process ${event.type}`,
      {
        kind: SpanKind.CONSUMER,
        parent: inService(contextFromCarrier(event), service),
        attributes: {
          ...eventAttributes(event, system),
          [MESSAGING_OPERATION_NAME]: "process",
          [MESSAGING_OPERATION_TYPE]: "process",
          [MESSAGING_CONSUMER_GROUP_NAME]: consumer,
        },
      },
      () => handle(event),
    );
  };
}

/**
 * Runs `fn` outside any trace, its statements untraced: background bookkeeping (the outbox relay's
 * polls) would otherwise start traces of its own, or join whichever request woke it.
 */
export const untraced = <T>(fn: () => T): T =>
  tracingOn() ? context.with(suppressTracing(ROOT_CONTEXT), fn) : fn();
