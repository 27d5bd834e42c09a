import { type Context, TraceFlags } from "@opentelemetry/api";
import type { ReadableSpan, Span, SpanProcessor } from "@opentelemetry/sdk-trace";
import type { WireSpan } from "./otlp-wire.ts";
import type { SpanQueue } from "./span-queue.ts";
import { serviceOf } from "./spans.ts";

/** What of an ended SDK span goes on the wire (our spans carry no events or links). */
export function wireSpanOf(span: ReadableSpan): WireSpan {
  const { traceId, spanId, traceFlags, traceState } = span.spanContext();
  const parent = span.parentSpanContext;
  return {
    traceId,
    spanId,
    parentSpanId: parent?.spanId,
    parentIsRemote: parent?.isRemote === true,
    traceState: traceState?.serialize(),
    traceFlags,
    name: span.name,
    kind: span.kind,
    start: span.startTime,
    end: span.endTime,
    attributes: span.attributes,
    ...(span.status.code !== 0 && { status: span.status }),
  };
}

/**
 * The SDK's spans, exported through the queue and encoder the stored answers' spans use (ADRs 156,
 * 179) instead of the SDK's batch processor and OTLP exporters: the same batching rules, the same
 * bytes, at a fraction of the serializer's cost. With `perService` (a process hosting several
 * services: the embedded shape), each span goes under the resource of the service its context names
 * when it starts (see `inService`).
 * @example new TracerProvider({ resource, sampler, spanProcessors: [queuedSpans(queue, { perService: false })] });
 */
export function queuedSpans(queue: SpanQueue, { perService }: { perService: boolean }): SpanProcessor {
  const owners = new WeakMap<Span, string>();
  return {
    onStart(span: Span, parentContext: Context) {
      if (!perService) return; // one service in this process: its resource is the process's
      const service = serviceOf(parentContext);
      if (service !== undefined) owners.set(span, service);
    },
    onEnd(span: ReadableSpan) {
      if ((span.spanContext().traceFlags & TraceFlags.SAMPLED) === 0) return;
      queue.add(owners.get(span as Span), wireSpanOf(span));
    },
    forceFlush: () => queue.forceFlush(),
    shutdown: () => queue.shutdown(),
  };
}
