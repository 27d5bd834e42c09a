/**
 * Stored answers' spans are encoded by us and queued as bytes (ADR 156): what reaches a collector must
 * be what the SDK's own serializers write, and the queue must keep the SDK batch processor's rules.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { type Attributes, SpanKind, SpanStatusCode } from "@opentelemetry/api";
import { hrTimeDuration, millisToHrTime, TraceState } from "@opentelemetry/core";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { type Resource, resourceFromAttributes } from "@opentelemetry/resources";
import type { ReadableSpan } from "@opentelemetry/sdk-trace";
import { type OtlpReceiver, startOtlpReceiver } from "../../test/support/otlp-receiver.ts";
import { jsonEncoding, protobufEncoding, type WireSpan } from "./otlp-wire.ts";
import { type SpanQueueOptions, spanQueue } from "./span-queue.ts";

const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");
const scope = { name: "fastr", version: "0.1.0" };

/** Attributes several spans share, as one object each (a stored page's). */
const pages: Attributes[] = [
  { "http.route": "/api/product/trpc/*", "url.scheme": "http" },
  { "url.scheme": "https", "server.port": 8443, "fastr.kept": true, "fastr.tags": ["ä", "b"] },
];

/**
 * Spans of every shape the recorder makes: root or child, local or remote parent, trace state or not,
 * with attributes of their own only or also shared ones.
 */
function variedSpans(count: number): WireSpan[] {
  return Array.from({ length: count }, (_, i) => {
    const startMs = performance.timeOrigin + performance.now() + i * 1.234567;
    const attributes: Attributes = {
      "http.request.method": "GET",
      "url.path": `/api/product/trpc/list?input=${encodeURIComponent(JSON.stringify({ page: i }))}`,
      "user_agent.original": i % 3 === 0 ? "" : i % 3 === 1 ? "wrk" : "Mozilla/5.0 (Käse; ✓ 🛒)",
      "http.response.status_code": i % 5 === 0 ? 304 : 200,
      "fastr.request_id": hex(8),
      "fastr.cache": "hit",
      ...(i % 4 === 0 && { "sampler.ratio": 0.25, "sampler.kept": true, "sampler.rank": -3 }),
      ...(i % 7 === 0 && { "sampler.tags": ["a", "ü", "c"] }),
    };
    return {
      traceId: hex(16),
      spanId: hex(8),
      parentSpanId: i % 2 === 0 ? hex(8) : undefined,
      parentIsRemote: i % 4 === 0,
      traceState: i % 3 === 0 ? `vendor=${i},other=x` : undefined,
      traceFlags: 1,
      name: "GET /api/product/trpc/*",
      kind: i % 6 === 5 ? SpanKind.INTERNAL : SpanKind.SERVER,
      start: millisToHrTime(startMs),
      end: millisToHrTime(startMs + 0.05 + i / 1000),
      ...(i % 9 === 4 && { status: { code: SpanStatusCode.ERROR, message: "CONFLICT: only 2 left ✓" } }),
      ...(i % 9 === 5 && { status: { code: SpanStatusCode.ERROR } }),
      ...(i % 9 === 6 && { status: { code: SpanStatusCode.OK } }),
      attributes,
      ...(i % 5 === 1 && { sharedAttributes: pages[0]! }),
      ...(i % 5 === 3 && { sharedAttributes: pages[1]! }),
    };
  });
}

/** The same span as the SDK hands its exporter. */
function sdkSpan(span: WireSpan, resource: Resource): ReadableSpan {
  const startTime = span.start;
  const endTime = span.end;
  return {
    name: span.name,
    kind: span.kind,
    spanContext: () => ({
      traceId: span.traceId,
      spanId: span.spanId,
      traceFlags: span.traceFlags,
      ...(span.traceState && { traceState: new TraceState(span.traceState) }),
    }),
    ...(span.parentSpanId && {
      parentSpanContext: {
        traceId: span.traceId,
        spanId: span.parentSpanId,
        traceFlags: span.traceFlags,
        isRemote: span.parentIsRemote,
      },
    }),
    startTime,
    endTime,
    duration: hrTimeDuration(startTime, endTime),
    status: span.status ?? { code: SpanStatusCode.UNSET },
    attributes: { ...span.sharedAttributes, ...span.attributes },
    links: [],
    events: [],
    ended: true,
    resource,
    instrumentationScope: scope,
    droppedAttributesCount: 0,
    droppedEventsCount: 0,
    droppedLinksCount: 0,
  };
}

describe("a stored answer's span on the wire", () => {
  const base = { "service.namespace": "fastr", "service.version": "0.1.0", "deployment.tier": 2 };
  const product = resourceFromAttributes({ ...base, "service.name": "product" });
  const cart = resourceFromAttributes({ ...base, "service.name": "cart" });
  const spans = variedSpans(300);
  // Two services, interleaved as requests arrive; the SDK groups by resource in order of appearance.
  const owners = spans.map((_, i) => (i % 3 === 2 ? cart : product));
  const sdkSpans = spans.map((span, i) => sdkSpan(span, owners[i]!));
  const groups = [product, cart].map((resource) => ({
    resource: resource.attributes,
    spans: spans.filter((_, i) => owners[i] === resource),
  }));

  it("is byte for byte what the SDK's protobuf serializer writes for the same spans and resources", () => {
    const encoding = protobufEncoding();
    // Twice: the second time from the encoder's kept attributes.
    expect(Buffer.from(encoding.request(groups, scope) as Uint8Array).toString("hex")).toBe(
      Buffer.from(encoding.request(groups, scope) as Uint8Array).toString("hex"),
    );
    const ours = encoding.request(groups, scope);
    const sdk = ProtobufTraceSerializer.serializeRequest(sdkSpans);
    expect(Buffer.from(ours as Uint8Array).equals(Buffer.from(sdk!))).toBe(true);
  });

  it("is character for character what the SDK's JSON serializer writes", () => {
    const ours = jsonEncoding().request(groups, scope);
    const sdk = new TextDecoder().decode(JsonTraceSerializer.serializeRequest(sdkSpans));
    expect(ours).toBe(sdk);
  });
});

describe("the stored answers' span queue", () => {
  let otlp: OtlpReceiver;
  beforeAll(() => {
    otlp = startOtlpReceiver();
  });
  afterAll(() => otlp.close());

  const queueTo = (url: string, overrides: Partial<SpanQueueOptions> = {}) => {
    const failures: string[] = [];
    const queue = spanQueue({
      url,
      encoding: protobufEncoding(),
      resource: { "service.name": "fastr" },
      resources: new Map([["product", { "service.name": "product" }]]),
      scope,
      maxQueueSize: 2048,
      maxExportBatchSize: 512,
      scheduledDelayMillis: 600_000,
      exportTimeoutMillis: 5_000,
      onLoss: (reason) => failures.push(reason),
      ...overrides,
    });
    return { queue, failures };
  };
  const received = (spans: readonly WireSpan[]) => {
    const ids = new Set(spans.map((s) => s.spanId));
    return otlp.spans.filter((s) => ids.has(s.spanId));
  };

  it("sends a full batch at once, under each span's service, and the rest when its delay is up", async () => {
    const { queue } = queueTo(`${otlp.url}/v1/traces`, { maxExportBatchSize: 4, scheduledDelayMillis: 300 });
    const spans = variedSpans(6);
    const exportsBefore = otlp.requests.length;
    for (const [i, span] of spans.entries()) queue.add(i % 2 === 0 ? "product" : "search", span);

    await otlp.until("the first batch of 4", () => received(spans).length === 4, 2_000);
    expect(otlp.requests.length - exportsBefore).toBe(1);
    await otlp.until("the last 2 after the delay", () => received(spans).length === 6, 5_000);
    expect(otlp.requests.length - exportsBefore).toBe(2);
    // A service without a resource of its own is exported under the process's.
    expect(new Set(received(spans).map((s) => s.service))).toEqual(new Set(["product", "fastr"]));
    expect(received(spans).find((s) => s.spanId === spans[1]!.spanId)?.service).toBe("fastr");
    await queue.shutdown();
  });

  it("drops new spans while the queue is full, counts them, and sends what it kept on shutdown", async () => {
    const { queue, failures } = queueTo(`${otlp.url}/v1/traces`, { maxQueueSize: 5, maxExportBatchSize: 5 });
    // The fifth span starts an export and leaves the queue; fill it again, then overflow it.
    const spans = variedSpans(12);
    for (const span of spans) queue.add("product", span);
    await queue.shutdown();
    expect(queue.dropped).toBe(2);
    expect(received(spans)).toHaveLength(10);
    expect(failures).toEqual(["2 spans dropped: the queue was full (OTEL_BSP_MAX_QUEUE_SIZE)"]);

    const late = variedSpans(1);
    queue.add("product", late[0]!);
    await queue.forceFlush();
    expect(received(late)).toEqual([]);
  });

  it("keeps one export in flight at a time, and a flush waits for all of them", async () => {
    let inFlight = 0;
    let most = 0;
    let exports = 0;
    const slow = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(request) {
        inFlight++;
        most = Math.max(most, inFlight);
        await request.arrayBuffer();
        await Bun.sleep(30);
        inFlight--;
        exports++;
        return new Response(null, { status: 200 });
      },
    });
    try {
      const { queue, failures } = queueTo(`${slow.url.origin}/v1/traces`, { maxExportBatchSize: 2 });
      for (const span of variedSpans(9)) queue.add("product", span);
      await queue.forceFlush();
      expect({ exports, most, inFlight, failures }).toEqual({
        exports: 5,
        most: 1,
        inFlight: 0,
        failures: [],
      });
      await queue.shutdown();
    } finally {
      await slow.stop(true);
    }
  });

  const quickRetry = { retry: { attempts: 3, initialDelayMs: 20, maxDelayMs: 40 } };

  /** A collector that answers every export with `status`, counting the attempts. */
  function collectorAnswering(status: number) {
    let attempts = 0;
    const server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: () => {
        attempts++;
        return new Response("not now", { status });
      },
    });
    return {
      url: `${server.url.origin}/v1/traces`,
      attempts: () => attempts,
      stop: () => server.stop(true),
    };
  }

  it("says why an export failed — a collector's error, after its retries, or none listening — and goes on", async () => {
    const refusing = collectorAnswering(503);
    const { queue, failures } = queueTo(refusing.url, quickRetry);
    queue.add("product", variedSpans(1)[0]!);
    await queue.forceFlush();
    expect(refusing.attempts()).toBe(3);
    await refusing.stop();
    queue.add("product", variedSpans(1)[0]!);
    await queue.shutdown();
    expect(failures).toHaveLength(2);
    expect(failures[0]).toContain("503");
  });

  it("sends a batch again while the collector is briefly unavailable, and loses nothing", async () => {
    const answers = [429, 503];
    const flaky = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      fetch: (request) => {
        const status = answers.shift();
        return status ? new Response("later", { status }) : fetch(`${otlp.url}/v1/traces`, request);
      },
    });
    const { queue, failures } = queueTo(`${flaky.url.origin}/v1/traces`, quickRetry);
    const spans = variedSpans(3);
    for (const span of spans) queue.add("product", span);
    await queue.forceFlush();
    await queue.shutdown();
    await flaky.stop(true);
    expect(failures).toEqual([]);
    expect(received(spans)).toHaveLength(3);
  });

  it("sends what is left once when shutting down, without waiting to send it again", async () => {
    const away = collectorAnswering(503);
    const { queue, failures } = queueTo(away.url, {
      retry: { attempts: 5, initialDelayMs: 60_000, maxDelayMs: 60_000 },
    });
    queue.add("product", variedSpans(1)[0]!);
    await queue.shutdown();
    await away.stop();
    expect(away.attempts()).toBe(1);
    expect(failures).toEqual(["the collector answered 503"]);
  });

  it("does not send again what the collector refused as wrong", async () => {
    const strict = collectorAnswering(400);
    const { queue, failures } = queueTo(strict.url, quickRetry);
    queue.add("product", variedSpans(1)[0]!);
    await queue.shutdown();
    await strict.stop();
    expect(strict.attempts()).toBe(1);
    expect(failures).toEqual(["the collector answered 400"]);
  });
});
