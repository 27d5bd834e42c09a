/**
 * The SDK's spans leave through our queue and encoder (ADR 179): what reaches a collector must be
 * what the SDK's own exporters would have sent for the same spans, each under its service.
 */
import { expect, it } from "bun:test";
import { context, ROOT_CONTEXT, SpanKind, SpanStatusCode, TraceFlags, trace } from "@opentelemetry/api";
import { TraceState } from "@opentelemetry/core";
import { JsonTraceSerializer, ProtobufTraceSerializer } from "@opentelemetry/otlp-transformer";
import { resourceFromAttributes } from "@opentelemetry/resources";
import {
  AlwaysOnSampler,
  InMemorySpanExporter,
  ParentBasedSampler,
  SimpleSpanProcessor,
  TracerProvider,
} from "@opentelemetry/sdk-trace";
import { jsonEncoding, protobufEncoding, type WireSpan } from "./otlp-wire.ts";
import { queuedSpans } from "./queued-spans.ts";
import type { SpanQueue } from "./span-queue.ts";
import { inService } from "./spans.ts";

const scope = { name: "fastr", version: "0.1.0" };

it("queues every sampled span under its service, encoded as the SDK's serializers encode it", async () => {
  const queued: { service: string | undefined; span: WireSpan }[] = [];
  const queue: SpanQueue = {
    add: (service, span) => queued.push({ service, span }),
    forceFlush: async () => {},
    shutdown: async () => {},
    dropped: 0,
  };
  const sdk = new InMemorySpanExporter();
  const resource = resourceFromAttributes({ "service.name": "fastr", "service.namespace": "fastr" });
  const provider = new TracerProvider({
    resource,
    sampler: new ParentBasedSampler({ root: new AlwaysOnSampler() }),
    spanProcessors: [queuedSpans(queue, { perService: true }), new SimpleSpanProcessor({ exporter: sdk })],
  });
  const tracer = provider.getTracer(scope.name, scope.version);

  // A caller's sampled trace with a trace state, and one that is not sampled.
  const caller = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "0af7651916cd43dd8448eb211c80319c",
    spanId: "b7ad6b7169203331",
    traceFlags: TraceFlags.SAMPLED,
    isRemote: true,
    traceState: new TraceState("vendor=1,other=ü"),
  });
  const unsampled = trace.setSpanContext(ROOT_CONTEXT, {
    traceId: "1af7651916cd43dd8448eb211c80319c",
    spanId: "c7ad6b7169203331",
    traceFlags: TraceFlags.NONE,
    isRemote: true,
  });
  const server = tracer.startSpan(
    "POST /api/order/trpc/*",
    { kind: SpanKind.SERVER, attributes: { "http.request.method": "POST", "server.port": 8080 } },
    inService(caller, "order"),
  );
  const inServer = trace.setSpan(inService(caller, "order"), server);
  const statement = tracer.startSpan(
    "UPDATE product.variants",
    { kind: SpanKind.CLIENT, attributes: { "db.query.text": "update … where id = $1", ratio: 0.25 } },
    inService(inServer, "product"),
  );
  statement.setStatus({ code: SpanStatusCode.ERROR, message: "CONFLICT: only 2 left" });
  statement.end();
  const failedWithoutMessage = tracer.startSpan("GET", { kind: SpanKind.CLIENT }, inServer);
  failedWithoutMessage.setStatus({ code: SpanStatusCode.ERROR });
  failedWithoutMessage.end();
  server.setStatus({ code: SpanStatusCode.OK });
  server.end();
  tracer.startSpan("background", {}, context.active()).end(); // a root of its own, in no service
  tracer.startSpan("not sampled", {}, unsampled).end();

  await provider.forceFlush();
  const sent = sdk.getFinishedSpans();
  expect(sent).toHaveLength(4);
  expect(queued.map((q) => [q.span.name, q.service])).toEqual([
    ["UPDATE product.variants", "product"],
    ["GET", "order"],
    ["POST /api/order/trpc/*", "order"],
    ["background", undefined],
  ]);
  const groups = [{ resource: resource.attributes, spans: queued.map((q) => q.span) }];
  const ours = protobufEncoding().request(groups, scope) as Uint8Array;
  expect(Buffer.from(ours).equals(Buffer.from(ProtobufTraceSerializer.serializeRequest(sent)!))).toBe(true);
  expect(jsonEncoding().request(groups, scope)).toBe(
    new TextDecoder().decode(JsonTraceSerializer.serializeRequest(sent)),
  );
  await provider.shutdown();
});
