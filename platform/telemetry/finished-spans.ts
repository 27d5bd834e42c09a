import {
  type Attributes,
  type Context,
  isSpanContextValid,
  type SpanContext,
  type SpanKind,
  SpanStatusCode,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { hrTimeDuration, millisToHrTime } from "@opentelemetry/core";
import type { Resource } from "@opentelemetry/resources";
import {
  RandomIdGenerator,
  type ReadableSpan,
  type Sampler,
  SamplingDecision,
  type SpanProcessor,
} from "@opentelemetry/sdk-trace";

/** A span whose work is already done: what it was, where it belongs, when it began (ms since the epoch). */
export type FinishedSpan = {
  name: string;
  kind: SpanKind;
  parent: Context;
  /** The service whose resource it is exported under (the embedded shape hosts several). */
  service?: string;
  startTime: number;
  attributes: Attributes;
};

/** Records a finished span; returns its context (sampled or not), for the log line of the work. */
export type FinishedSpanRecorder = (span: FinishedSpan) => SpanContext;

/**
 * Spans recorded after the fact, for requests answered in microseconds (stored catalog answers, ADR
 * 151). The SDK's Tracer copies and checks the attributes twice and builds a live Span for each,
 * which cost as much as the answer itself; these attributes are the host's own, so the span is made
 * ended and goes straight to the span processor — the same sampler decides, the same batch and
 * exporter send it, under the same resource.
 * @example const record = finishedSpanRecorder({ sampler, processor: batch, resource, scope });
 *          const { traceId, spanId } = record({ name: "GET /api/product/trpc/*", kind: SpanKind.SERVER, parent, startTime, attributes });
 */
export function finishedSpanRecorder(options: {
  sampler: Sampler;
  processor: SpanProcessor;
  resource: Resource;
  /** Per service, when spans are exported under their service's resource. */
  resources?: ReadonlyMap<string, Resource>;
  scope: { name: string; version?: string };
}): FinishedSpanRecorder {
  const ids = new RandomIdGenerator();
  return ({ name, kind, parent, service, startTime, attributes }) => {
    const parentContext = trace.getSpanContext(parent);
    const parentSpanContext = parentContext && isSpanContextValid(parentContext) ? parentContext : undefined;
    const traceId = parentSpanContext?.traceId ?? ids.generateTraceId();
    const decision = options.sampler.shouldSample(parent, traceId, name, kind, attributes, []);
    const spanContext: SpanContext = {
      traceId,
      spanId: ids.generateSpanId(),
      traceFlags:
        decision.decision === SamplingDecision.RECORD_AND_SAMPLED ? TraceFlags.SAMPLED : TraceFlags.NONE,
      ...((decision.traceState ?? parentSpanContext?.traceState) && {
        traceState: decision.traceState ?? parentSpanContext?.traceState,
      }),
    };
    if (decision.decision !== SamplingDecision.RECORD_AND_SAMPLED) return spanContext;
    const start = millisToHrTime(startTime);
    const end = millisToHrTime(performance.timeOrigin + performance.now());
    const span: ReadableSpan = {
      name,
      kind,
      spanContext: () => spanContext,
      ...(parentSpanContext && { parentSpanContext }),
      startTime: start,
      endTime: end,
      duration: hrTimeDuration(start, end),
      status: { code: SpanStatusCode.UNSET },
      attributes: { ...attributes, ...decision.attributes },
      links: [],
      events: [],
      ended: true,
      resource: (service && options.resources?.get(service)) || options.resource,
      instrumentationScope: options.scope,
      droppedAttributesCount: 0,
      droppedEventsCount: 0,
      droppedLinksCount: 0,
    };
    options.processor.onEnd(span);
    return spanContext;
  };
}
