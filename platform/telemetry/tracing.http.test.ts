/**
 * Tracing in the embedded shape, through the public HTTP interface: a checkout is one trace whose
 * spans belong to the services that did the work, and with tracing off nothing is made or sent.
 */
import { afterAll, beforeAll, expect, it } from "bun:test";
import { isSpanContextValid, trace } from "@opentelemetry/api";
import { createFastrClient } from "../../routers/client.ts";
import { readShopConfig } from "../../shapes/embedded/shop.ts";
import { readyBuyer } from "../../test/support/buyers.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import {
  ancestorsOf,
  callerTraceContext,
  type OtlpReceiver,
  startOtlpReceiver,
} from "../../test/support/otlp-receiver.ts";
import { type EmbeddedShop, startEmbeddedShop } from "../../test/support/shop.ts";
import { describeEmbedded } from "../../test/support/target.ts";
import { createLogger } from "../log.ts";
import { startTracing } from "./tracing.ts";

const hex = (bytes: number) => Buffer.from(crypto.getRandomValues(new Uint8Array(bytes))).toString("hex");

/**
 * Spans leave only when the test flushes: `forceFlush` does not wait for an export the batch timer
 * started, so a timer firing mid-test would let a flush resolve with spans still on their way.
 */
const onlyOnFlush = { OTEL_BSP_SCHEDULE_DELAY: "600000", OTEL_BSP_MAX_EXPORT_BATCH_SIZE: "2048" };

/** Log lines a shop wrote, parsed. */
const logLines = () => {
  const lines: Record<string, unknown>[] = [];
  const log = createLogger("info", { sink: (_level, line) => lines.push(JSON.parse(line)) });
  return { lines, log };
};

async function checkout(shop: EmbeddedShop, traceparent: string) {
  const { variantIds } = await stockedProduct(shop, [5]);
  const buyer = await readyBuyer(shop, variantIds[0]!, 2);
  const client = createFastrClient({
    baseUrl: shop.url,
    headers: { authorization: `Bearer ${buyer.token}`, traceparent },
  });
  const order = await client.order.checkout.mutate({
    idempotencyKey: crypto.randomUUID(),
    addressId: buyer.addressId,
    paymentMethodId: "pm_card_visa",
  });
  await shop.settle();
  return { buyer, order };
}

describeEmbedded(
  "tracing in the embedded shape",
  "it configures the shop's exporter and reads its services",
  () => {
    let otlp: OtlpReceiver;
    let shop: EmbeddedShop;
    const { lines, log } = logLines();
    beforeAll(async () => {
      otlp = startOtlpReceiver();
      shop = await startEmbeddedShop({
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
          OTEL_EXPORTER_OTLP_HEADERS: "authorization=Bearer%20collector-key,x-tenant=everything",
          OTEL_EXPORTER_OTLP_TRACES_HEADERS: "x-tenant=traces",
          ...onlyOnFlush,
        },
        log,
      });
    });
    afterAll(async () => {
      await shop?.stop();
      otlp?.close();
    });

    it("makes one checkout one trace, under the caller's traceparent, with spans of order, product, payment and notification", async () => {
      const caller = callerTraceContext();
      const { buyer, order } = await checkout(shop, caller.traceparent);
      expect(order.status).toBe("paid");
      await shop.shop.tracing.forceFlush();

      const spans = otlp.trace(caller.traceId);
      const request = spans.find(
        (s) => s.kind === "server" && s.attributes["url.path"] === "/api/order/trpc/checkout",
      );
      expect(request).toMatchObject({
        service: "order",
        name: "POST /api/order/trpc/*",
        parentSpanId: caller.spanId,
        attributes: { "http.request.method": "POST", "http.response.status_code": 200 },
      });
      expect(new Set(spans.map((s) => s.service))).toEqual(
        new Set(["order", "product", "payment", "notification", "cart", "user", "auth"]),
      );
      expect(spans.find((s) => s.name === "order.checkout")).toMatchObject({
        kind: "internal",
        service: "order",
      });
      expect(spans.find((s) => s.name === "product.reserve")).toMatchObject({ service: "product" });
      expect(spans.find((s) => s.name === "payment.charge")).toMatchObject({ service: "payment" });

      // SQL: one span per statement, its shape with placeholders, never the values bound to it.
      const statements = spans.filter(
        (s) => s.attributes["db.system.name"] === "postgresql" && s.name !== "transaction",
      );
      expect(statements.length).toBeGreaterThan(10);
      expect(statements.some((s) => s.name === "INSERT order.orders" && s.service === "order")).toBe(true);
      expect(statements.some((s) => s.name.startsWith("UPDATE product.") && s.service === "product")).toBe(
        true,
      );
      for (const s of statements) expect(String(s.attributes["db.query.text"])).not.toContain(buyer.email);
      expect(statements.some((s) => String(s.attributes["db.query.text"]).includes("$1"))).toBe(true);

      // order.paid: written in the checkout's transaction, published by the relay, handled by notification.
      const published = spans.find((s) => s.name === "publish order.paid");
      expect(published).toMatchObject({ kind: "producer", service: "order" });
      const handled = spans.find((s) => s.name === "process order.paid" && s.service === "notification");
      expect(handled).toMatchObject({
        kind: "consumer",
        parentSpanId: published!.spanId,
        attributes: { "messaging.consumer.group.name": "notification" },
      });
      expect(ancestorsOf(handled!, spans)).toContainEqual(request!);
      const inbox = spans.find((s) => s.name === "INSERT notification.inbox");
      expect(ancestorsOf(inbox!, spans)).toContainEqual(handled!);
    });

    it("writes every log line of a traced request with its trace and span ids next to its request id", async () => {
      const caller = callerTraceContext();
      const requestId = `trace-test-${hex(4)}`;
      const response = await shop.fetch("/api/product/trpc/categories", {
        headers: { traceparent: caller.traceparent, "x-request-id": requestId },
      });
      expect(response.status).toBe(200);
      await shop.shop.tracing.forceFlush();

      const server = otlp.trace(caller.traceId).find((s) => s.kind === "server");
      expect(server).toMatchObject({ service: "product", attributes: { "fastr.request_id": requestId } });
      const line = lines.find((l) => l.msg === "request" && l.requestId === requestId);
      expect(line).toMatchObject({ traceId: caller.traceId, spanId: server!.spanId, status: 200 });
    });

    it("traces a stored catalog answer, served before the middleware, as one server span of product marked a cache hit", async () => {
      await shop.fetch("/api/product/trpc/categories"); // stored, if no test stored it before
      const caller = callerTraceContext();
      const requestId = `cached-${hex(4)}`;
      const response = await shop.fetch("/api/product/trpc/categories", {
        headers: { traceparent: caller.traceparent, "x-request-id": requestId },
      });
      expect(response.headers.get("x-cache")).toBe("hit");
      await shop.shop.tracing.forceFlush();

      const spans = otlp.trace(caller.traceId);
      expect(spans).toHaveLength(1);
      expect(spans[0]).toMatchObject({
        service: "product",
        kind: "server",
        name: "GET /api/product/trpc/*",
        parentSpanId: caller.spanId,
        attributes: {
          "fastr.request_id": requestId,
          "fastr.cache": "hit",
          "http.response.status_code": 200,
          "url.path": "/api/product/trpc/categories",
        },
      });
      const line = lines.find((l) => l.msg === "request" && l.requestId === requestId);
      expect(line).toMatchObject({ traceId: caller.traceId, spanId: spans[0]!.spanId, status: 200 });
    });

    it("sends every export, stored answers' spans included, with the headers OTEL_EXPORTER_OTLP_(TRACES_)HEADERS name", async () => {
      const before = otlp.requests.length;
      const received = otlp.spans.length;
      await shop.fetch("/api/product/trpc/categories"); // stored, if no test stored it before
      const caller = callerTraceContext();
      await shop.fetch("/api/product/trpc/categories", { headers: { traceparent: caller.traceparent } });
      const search = "/api/product/trpc/list?input=%7B%22json%22%3A%7B%22q%22%3A%22headers%22%7D%7D";
      await shop.fetch(search);
      await shop.shop.tracing.forceFlush();

      // The stored answer's span and the SDK's spans of a search (never stored) leave through one queue.
      expect(otlp.trace(caller.traceId)).toHaveLength(1);
      const searched = otlp.spans.slice(received).filter((s) => s.name === "product.list");
      expect(searched).toHaveLength(1);
      expect(otlp.trace(searched[0]!.traceId).map((s) => s.kind)).toContain("server");
      const exports = otlp.requests.slice(before);
      expect(exports.length).toBeGreaterThanOrEqual(1);
      for (const { headers } of exports)
        expect(headers).toMatchObject({ authorization: "Bearer collector-key", "x-tenant": "traces" });
    });

    it("follows a caller's decision not to sample, for stored answers too: no span leaves, the log line still names the trace", async () => {
      await shop.fetch("/api/product/trpc/categories");
      const caller = callerTraceContext();
      const requestId = `unsampled-${hex(4)}`;
      const response = await shop.fetch("/api/product/trpc/categories", {
        headers: { traceparent: caller.traceparent.replace(/-01$/, "-00"), "x-request-id": requestId },
      });
      expect(response.headers.get("x-cache")).toBe("hit");
      await shop.shop.tracing.forceFlush();

      expect(otlp.trace(caller.traceId)).toEqual([]);
      const line = lines.find((l) => l.msg === "request" && l.requestId === requestId);
      expect(line).toMatchObject({ traceId: caller.traceId, status: 200 });
    });

    it("starts a trace of its own for a caller that sends none, and leaves probes untraced", async () => {
      const before = otlp.spans.length;
      const requestId = `untraced-caller-${hex(4)}`;
      await shop.fetch("/api/product/trpc/categories", { headers: { "x-request-id": requestId } });
      await shop.fetch("/readyz");
      await shop.shop.tracing.forceFlush();

      const fresh = otlp.spans.slice(before).filter((s) => s.kind === "server");
      expect(fresh).toHaveLength(1);
      expect(fresh[0]).toMatchObject({ parentSpanId: "", attributes: { "fastr.request_id": requestId } });
    });
  },
);

describeEmbedded("tracing off", "it starts shops with their own telemetry settings", () => {
  it("without an endpoint starts nothing: the API's tracer stays the no-op one", async () => {
    const tracing = startTracing(
      readShopConfig({ OTEL_SERVICE_NAME: "fastr", OTEL_TRACES_SAMPLER: "always_on" }),
      {
        service: "fastr",
      },
    );
    expect(tracing.enabled).toBe(false);
    const span = trace.getTracer("any").startSpan("anything");
    expect(span.isRecording()).toBe(false);
    expect(isSpanContextValid(span.spanContext())).toBe(false);
  });

  it("exports nothing and writes no trace ids while OTEL_SDK_DISABLED=true, even with an endpoint", async () => {
    const otlp = startOtlpReceiver();
    const { lines, log } = logLines();
    const shop = await startEmbeddedShop({
      env: { OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url, OTEL_SDK_DISABLED: "true" },
      log,
    });
    try {
      const caller = callerTraceContext();
      const { order } = await checkout(shop, caller.traceparent);
      expect(order.status).toBe("paid");
      await shop.shop.tracing.forceFlush();
      await Bun.sleep(100);

      expect(shop.shop.tracing.enabled).toBe(false);
      expect(otlp.requests).toEqual([]);
      expect(trace.getTracer("any").startSpan("anything").isRecording()).toBe(false);
      const requests = lines.filter((l) => l.msg === "request");
      expect(requests.length).toBeGreaterThan(0);
      for (const line of requests) {
        expect(line.requestId).toBeString();
        expect(line.traceId).toBeUndefined();
      }
    } finally {
      await shop.stop();
      otlp.close();
    }
  });
});
