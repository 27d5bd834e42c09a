import {
  type Attributes,
  type Context,
  isSpanContextValid,
  type SpanContext,
  type SpanKind,
  TraceFlags,
  trace,
} from "@opentelemetry/api";
import { millisToHrTime } from "@opentelemetry/core";
import {
  RandomIdGenerator,
  type Sampler,
  SamplingDecision,
  type SamplingResult,
} from "@opentelemetry/sdk-trace";
import type { WireSpan } from "./otlp-wire.ts";
import type { SpanQueue } from "./span-queue.ts";

/** A span whose work is already done: what it was, where it belongs, when it began (ms since the epoch). */
export type FinishedSpan = {
  name: string;
  kind: SpanKind;
  parent: Context;
  /** The service whose resource it is exported under (the embedded shape hosts several). */
  service?: string;
  startTime: number;
  attributes: Attributes;
  /** Attributes many spans share, as one object (see `WireSpan.sharedAttributes`). */
  sharedAttributes?: Attributes;
};

/** Records a finished span; returns its context (sampled or not), for the log line of the work. */
export type FinishedSpanRecorder = (span: FinishedSpan) => SpanContext;

/**
 * Spans recorded after the fact, for requests answered in microseconds (stored catalog answers, ADRs
 * 151 and 156). The SDK's Tracer copies and checks the attributes twice and builds a live Span for
 * each, and its batch processor holds span objects until its serializer walks them; that cost as much
 * as the answer itself. Here the same sampler decides, and a sampled span goes to `queue` as a plain
 * record, encoded with the rest of its batch when that is sent.
 * @example const record = finishedSpanRecorder({ sampler, queue });
 *          const { traceId, spanId } = record({ name: "GET /api/product/trpc/*", kind: SpanKind.SERVER, parent, startTime, attributes });
 */
export function finishedSpanRecorder(options: {
  sampler: Sampler;
  queue: SpanQueue;
  /** The sampler keeps every trace that starts here, as it is (always_on, parentbased_always_on): it need not be asked. */
  samplesEveryRoot?: boolean;
}): FinishedSpanRecorder {
  const ids = new RandomIdGenerator();
  const everyRoot = { decision: SamplingDecision.RECORD_AND_SAMPLED } as const;
  return ({ name, kind, parent, service, startTime, attributes, sharedAttributes }) => {
    const parentContext = trace.getSpanContext(parent);
    const parentSpanContext = parentContext && isSpanContextValid(parentContext) ? parentContext : undefined;
    const traceId = parentSpanContext?.traceId ?? ids.generateTraceId();
    // The samplers OTEL_TRACES_SAMPLER names read no attributes: the shared ones are not merged in for them.
    const decision: SamplingResult =
      options.samplesEveryRoot && !parentSpanContext
        ? everyRoot
        : options.sampler.shouldSample(parent, traceId, name, kind, attributes, []);
    const traceState = decision.traceState ?? parentSpanContext?.traceState;
    const sampled = decision.decision === SamplingDecision.RECORD_AND_SAMPLED;
    // Properties set one by one rather than spread in: this runs for every stored answer served.
    const spanContext: SpanContext = {
      traceId,
      spanId: ids.generateSpanId(),
      traceFlags: sampled ? TraceFlags.SAMPLED : TraceFlags.NONE,
    };
    if (traceState) spanContext.traceState = traceState;
    if (!sampled) return spanContext;
    const span: WireSpan = {
      traceId,
      spanId: spanContext.spanId,
      parentSpanId: parentSpanContext?.spanId,
      parentIsRemote: parentSpanContext?.isRemote === true,
      traceState: traceState?.serialize(),
      traceFlags: spanContext.traceFlags,
      name,
      kind,
      start: millisToHrTime(startTime),
      end: millisToHrTime(performance.timeOrigin + performance.now()),
      attributes: decision.attributes ? { ...attributes, ...decision.attributes } : attributes,
    };
    if (sharedAttributes) span.sharedAttributes = sharedAttributes;
    options.queue.add(service, span);
    return spanContext;
  };
}
