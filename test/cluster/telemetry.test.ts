/**
 * Tracing across the distributed shape: every service process exports OTLP (protobuf, the default) to
 * a receiver in this test, and one checkout through NGINX comes back as one trace that crosses the
 * processes by their internal calls and by Redis Streams. One cluster for the file.
 */
import { afterAll, beforeAll, expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createFastrClient } from "../../routers/client.ts";
import { describeWith, waitFor } from "../support/binaries.ts";
import { address } from "../support/buyers.ts";
import { stockedProduct } from "../support/catalog.ts";
import { clusterBinaries, startTestCluster, type TestCluster } from "../support/cluster.ts";
import {
  ancestorsOf,
  callerTraceContext,
  type OtlpReceiver,
  type ReceivedSpan,
  startOtlpReceiver,
} from "../support/otlp-receiver.ts";

describeWith(clusterBinaries, "tracing across the cluster", () => {
  let otlp: OtlpReceiver;
  let shop: TestCluster;
  beforeAll(async () => {
    otlp = startOtlpReceiver();
    shop = await startTestCluster({
      OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
      // Export within a fifth of a second instead of five.
      OTEL_BSP_SCHEDULE_DELAY: "200",
    });
  }, 180_000);
  afterAll(async () => {
    await shop?.stop();
    otlp?.close();
  }, 60_000);

  /** The JSON lines of a log file (a line still being written is skipped). */
  const jsonLines = (file: string) =>
    readFileSync(file, "utf8")
      .split("\n")
      .flatMap((line) => {
        try {
          return [JSON.parse(line) as Record<string, unknown>];
        } catch {
          return [];
        }
      });

  it("makes one checkout through NGINX one trace across the order, product, payment and notification processes, SQL and events included", async () => {
    const { product } = await stockedProduct(shop, [5]);
    const buyer = await shop.customer("Tracy Buyer");
    await buyer.client.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 1 });
    const caller = callerTraceContext();
    const traced = createFastrClient({
      baseUrl: shop.url,
      headers: { authorization: `Bearer ${buyer.token}`, traceparent: caller.traceparent },
    });

    const order = await traced.order.checkout.mutate({
      idempotencyKey: crypto.randomUUID(),
      shippingAddress: address,
      paymentMethodId: "pm_card_visa",
    });
    expect(order.status).toBe("paid");

    // Each process exports its spans in the order they ended: once the last span of each process's
    // part has arrived, everything before it in that process has too.
    const wanted = ["order", "product", "payment", "notification"];
    const serverSpan = (path: string) => (s: ReceivedSpan) =>
      s.kind === "server" && s.attributes["url.path"] === path;
    const lastOfEachPart = [
      serverSpan("/api/order/trpc/checkout"),
      (s: ReceivedSpan) => s.name === "publish order.paid",
      serverSpan("/internal/product/trpc/reserve"),
      serverSpan("/internal/payment/trpc/charge"),
      (s: ReceivedSpan) => s.name === "process order.paid" && s.service === "notification",
    ];
    await otlp.until("the last span of each process's part of the checkout's trace", () =>
      lastOfEachPart.every((last) => otlp.trace(caller.traceId).some(last)),
    );
    const trace = otlp.trace(caller.traceId);

    expect(otlp.requests.every((r) => r.contentType === "application/x-protobuf")).toBe(true);
    expect(otlp.errors).toEqual([]);
    // NGINX passed the caller's traceparent on: the order process's server span is its child.
    const request = trace.find(serverSpan("/api/order/trpc/checkout"));
    expect(request).toMatchObject({ service: "order", parentSpanId: caller.spanId });
    expect(request!.resource["service.instance.id"]).toMatch(/^order-[12]$/);

    // An internal call: a client span in order, the callee's server span in product beneath it.
    const reserve = trace.find((s) => s.kind === "client" && s.name === "product.reserve");
    expect(reserve).toMatchObject({ service: "order" });
    const served = trace.find((s) => s.kind === "server" && s.parentSpanId === reserve!.spanId);
    expect(served).toMatchObject({
      service: "product",
      attributes: { "url.path": "/internal/product/trpc/reserve" },
    });
    const charged = trace.find(serverSpan("/internal/payment/trpc/charge"));
    expect(charged).toMatchObject({ service: "payment" });

    // SQL in each process, through PgBouncer, values never in the statement.
    const sql = trace.filter(
      (s) => s.attributes["db.system.name"] === "postgresql" && s.name !== "transaction",
    );
    for (const service of wanted) expect(sql.some((s) => s.service === service)).toBe(true);
    for (const s of sql) expect(String(s.attributes["db.query.text"])).not.toContain(buyer.email);
    expect(trace.some((s) => s.attributes["db.system.name"] === "redis")).toBe(true);

    // The event: published by an order process, handled by a notification process over Redis Streams.
    const published = trace.find((s) => s.name === "publish order.paid");
    expect(published).toMatchObject({
      kind: "producer",
      service: "order",
      attributes: { "messaging.system": "redis-streams" },
    });
    const handled = trace.find((s) => s.name === "process order.paid" && s.service === "notification");
    expect(handled).toMatchObject({ kind: "consumer", parentSpanId: published!.spanId });
    expect(ancestorsOf(handled!, trace)).toContainEqual(request!);
    const inbox = trace.find((s) => s.name === "INSERT notification.inbox");
    expect(inbox).toMatchObject({ service: "notification" });
    expect(ancestorsOf(inbox!, trace)).toContainEqual(handled!);

    // Logs: the order process's request line names the trace, the span and NGINX's request id…
    const requestId = String(request!.attributes["fastr.request_id"]);
    const logs = ["order-1", "order-2"].flatMap((n) => jsonLines(join(shop.cluster.dir, "logs", `${n}.log`)));
    expect(logs.find((l) => l.msg === "request" && l.requestId === requestId)).toMatchObject({
      traceId: caller.traceId,
      spanId: request!.spanId,
      path: "/api/order/trpc/checkout",
    });
    // …and so does NGINX's access line for it (written within a second).
    const accessLog = join(shop.cluster.dir, "nginx", "access.log");
    await waitFor(
      "NGINX's access line for the checkout",
      async () => jsonLines(accessLog).some((l) => l.requestId === requestId),
      5_000,
    );
    expect(jsonLines(accessLog).find((l) => l.requestId === requestId)).toMatchObject({
      uri: expect.stringMatching(/^\/api\/order\/trpc\/checkout\b/),
      traceparent: caller.traceparent,
    });
  }, 90_000);
});
