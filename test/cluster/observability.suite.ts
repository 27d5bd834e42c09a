/**
 * Observability of the distributed shape, as a suite the cluster suite (cluster.test.ts) runs on its
 * cluster first, before any scenario breaks a part of it; the cluster must be started with
 * `tracedBy(otlp)` in its environment and Prometheus when it is installed:
 * - tracing: every service process exports OTLP (protobuf, the default) to a receiver in this test,
 *   and one checkout through NGINX comes back as one trace that crosses the processes by their
 *   internal calls and by Redis Streams;
 * - metrics: every instance's /metrics (found the way Prometheus finds them, in the cluster's file_sd
 *   list), the series a checkout through NGINX moves, NGINX keeping /metrics private, and Prometheus
 *   scraping every instance with fastr's rules.
 * It shares the cluster rather than starting its own: a cluster start is ~20 s of CPU on the gate's
 * two cores (ADR 161).
 */
import { expect, it } from "bun:test";
import { readFileSync } from "node:fs";
import { join } from "node:path";
import { createFastrClient } from "../../routers/client.ts";
import { locate } from "../../shapes/cluster/binaries.ts";
import { waitFor } from "../support/binaries.ts";
import { address } from "../support/buyers.ts";
import { stockedProduct } from "../support/catalog.ts";
import type { TestCluster } from "../support/cluster.ts";
import {
  ancestorsOf,
  callerTraceContext,
  type OtlpReceiver,
  type ReceivedSpan,
} from "../support/otlp-receiver.ts";
import { rawRequest } from "../support/raw-http.ts";
import { type Sample, scrape, select, total } from "../support/scrape.ts";

export const prometheusInstalled = locate("prometheus") !== null;

/** The environment that makes every service process send its spans to `otlp`. */
export const tracedBy = (otlp: OtlpReceiver) => ({
  OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
  // Export within a fifth of a second instead of five.
  OTEL_BSP_SCHEDULE_DELAY: "200",
});

/** The cluster and the receiver the suite runs on, set by the caller's `beforeAll`. */
export type Observed = { shop: TestCluster; otlp: OtlpReceiver };

/**
 * The observability tests, on what the caller's `beforeAll` put in `on`.
 * @example const on = {} as Observed; beforeAll(…on.otlp = startOtlpReceiver(); on.shop = await startTestCluster(tracedBy(on.otlp), …));
 *          describe("observability", () => observabilitySuite(on));
 */
export function observabilitySuite(on: Observed) {
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
    const { product } = await stockedProduct(on.shop, [5]);
    const buyer = await on.shop.customer("Tracy Buyer");
    await buyer.client.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 1 });
    const caller = callerTraceContext();
    const traced = createFastrClient({
      baseUrl: on.shop.url,
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
    await on.otlp.until("the last span of each process's part of the checkout's trace", () =>
      lastOfEachPart.every((last) => on.otlp.trace(caller.traceId).some(last)),
    );
    const trace = on.otlp.trace(caller.traceId);

    expect(on.otlp.requests.every((r) => r.contentType === "application/x-protobuf")).toBe(true);
    expect(on.otlp.errors).toEqual([]);
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

    // SQL in each process, values never in the statement.
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
    const logs = ["order-1", "order-2"].flatMap((n) =>
      jsonLines(join(on.shop.cluster.dir, "logs", `${n}.log`)),
    );
    expect(logs.find((l) => l.msg === "request" && l.requestId === requestId)).toMatchObject({
      traceId: caller.traceId,
      spanId: request!.spanId,
      path: "/api/order/trpc/checkout",
    });
    // …and so does NGINX's access line for it (written within a second).
    const accessLog = join(on.shop.cluster.dir, "nginx", "access.log");
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

  type Target = { targets: [string]; labels: { service: string; instance: string } };
  const targets = () => JSON.parse(readFileSync(on.shop.cluster.targetsFile, "utf8")) as Target[];
  /** Every instance's samples, found through the file_sd list as Prometheus finds them. */
  const scrapeAll = () =>
    Promise.all(
      targets().map(async ({ targets: [address], labels }) => ({
        ...labels,
        samples: await scrape(`http://${address}/metrics`),
      })),
    );
  type Scraped = Awaited<ReturnType<typeof scrapeAll>>;
  const of = (scraped: Scraped, service: string) => scraped.filter((i) => i.service === service);
  /** A counter summed over a service's instances. */
  const sum = (scraped: Scraped, service: string, name: string, labels: Record<string, string> = {}) =>
    of(scraped, service).reduce((n, i) => n + total(i.samples, name, labels), 0);
  /** A database-wide gauge, which every instance of the service reports alike: the largest. */
  const max = (scraped: Scraped, service: string, name: string, labels: Record<string, string> = {}) =>
    Math.max(
      ...of(scraped, service).flatMap((i) => select(i.samples, name, labels).map((s: Sample) => s.value)),
    );

  it("serves /metrics on every instance in the file_sd list, with its service's procedures, its pools and Redis", async () => {
    const scraped = await scrapeAll();
    expect(scraped).toHaveLength(on.shop.cluster.instances.length);
    for (const { service, instance, samples } of scraped) {
      expect(total(samples, "process_resident_memory_bytes")).toBeGreaterThan(0);
      // Idle connections close after a while, so an open count may be 0; the pools are there.
      expect(total(samples, "fastr_db_pool_max_connections", { pool: "primary" })).toBe(10);
      expect(select(samples, "fastr_db_pool_connections", { pool: "replica" })).toHaveLength(1);
      expect(total(samples, "fastr_redis_connected", { client: "cache" })).toBe(1);
      expect(total(samples, "fastr_redis_connected", { client: "bus" })).toBe(1);
      expect(total(samples, "fastr_redis_commands_total", { client: "bus" })).toBeGreaterThan(0);
      const procedures = select(samples, "fastr_procedure_calls_total");
      expect(procedures.every((s) => s.labels.service === service)).toBe(true);
      expect(instance.startsWith(`${service}-`)).toBe(true);
    }
  });

  it("never answers /metrics through NGINX's public listener", async () => {
    expect((await on.shop.fetch("/metrics")).status).toBe(404);
    const port = Number(new URL(on.shop.url).port);
    for (const path of [
      "/metrics",
      "/metrics?x=1",
      "//metrics",
      "/%6detrics",
      "/api/order/../../metrics",
      "/metrics/",
    ]) {
      const answer = await rawRequest(port, { method: "GET", path }).response;
      if ("error" in answer) throw new Error(`${path}: ${answer.error}`);
      expect(answer.body).not.toContain("# TYPE");
      if (path !== "/metrics/") expect([path, answer.status]).toEqual([path, 404]);
    }
  });

  it("moves with purchases through NGINX: checkout calls, checkouts and declines, orders by status; outbox and consumers catch up", async () => {
    const { product } = await stockedProduct(on.shop, [5]);
    const buyer = await on.shop.customer("Metric Buyer");
    const checkout = async (paymentMethodId: string) => {
      await buyer.client.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 1 });
      return buyer.client.order.checkout
        .mutate({ idempotencyKey: crypto.randomUUID(), shippingAddress: address, paymentMethodId })
        .catch((error) => error);
    };
    const before = await scrapeAll();

    expect((await checkout("pm_card_visa")).status).toBe("paid");
    expect((await checkout("pm_card_chargeDeclined")).data?.code).toBe("PAYMENT_REQUIRED");
    // Every event published and every consumer group caught up, as the gauges report it.
    let after: Scraped = [];
    await waitFor(
      "the outboxes and consumer groups to catch up",
      async () => {
        after = await scrapeAll();
        return (
          max(after, "order", "fastr_outbox_backlog", { outbox: "order.outbox" }) === 0 &&
          max(after, "notification", "fastr_event_consumer_lag", {
            consumer: "notification",
            stream: "fastr.order",
          }) === 0
        );
      },
      20_000,
    );

    const moved = (service: string, name: string, labels: Record<string, string>) =>
      sum(after, service, name, labels) - sum(before, service, name, labels);
    expect(moved("order", "fastr_procedure_calls_total", { procedure: "checkout", code: "OK" })).toBe(1);
    expect(
      moved("order", "fastr_procedure_calls_total", { procedure: "checkout", code: "PAYMENT_REQUIRED" }),
    ).toBe(1);
    expect(moved("order", "fastr_procedure_duration_seconds_count", { procedure: "checkout" })).toBe(2);
    expect(moved("order", "fastr_checkouts_total", { outcome: "paid" })).toBe(1);
    expect(moved("order", "fastr_checkouts_total", { outcome: "payment_failed" })).toBe(1);
    expect(moved("payment", "fastr_payment_declines_total", { reason: "generic_decline" })).toBe(1);
    expect(moved("cart", "fastr_procedure_calls_total", { procedure: "addItem", code: "OK" })).toBe(2);
    for (const status of ["paid", "payment_failed"]) {
      expect(
        max(after, "order", "fastr_orders", { status }) - max(before, "order", "fastr_orders", { status }),
      ).toBe(1);
    }
    expect(max(after, "order", "fastr_outbox_oldest_unpublished_seconds", { outbox: "order.outbox" })).toBe(
      0,
    );
    expect(sum(after, "notification", "fastr_events_dead_lettered_total")).toBe(0);
    expect(max(after, "notification", "fastr_event_consumer_pending", { consumer: "notification" })).toBe(0);
  }, 60_000);

  it("has Prometheus scrape every instance, with fastr's rules loaded", async () => {
    if (!prometheusInstalled) {
      if (process.env.CI === "true")
        throw new Error("prometheus is not installed (apt-get install -y prometheus)");
      console.warn(
        "SKIPPED the Prometheus check: prometheus is not installed (apt-get install -y prometheus)",
      );
      return;
    }
    const api = async <T>(path: string) =>
      ((await (await fetch(`${on.shop.cluster.prometheusUrl}${path}`)).json()) as { data: T }).data;
    type Targets = { activeTargets: { health: string; labels: { service: string; instance: string } }[] };
    await waitFor(
      "Prometheus to have scraped every instance",
      async () => {
        const { activeTargets } = await api<Targets>("/api/v1/targets");
        return (
          activeTargets.length === on.shop.cluster.instances.length &&
          activeTargets.every((t) => t.health === "up")
        );
      },
      30_000,
    );
    const { activeTargets } = await api<Targets>("/api/v1/targets");
    expect(activeTargets.map((t) => t.labels.instance).toSorted()).toEqual(
      on.shop.cluster.instances.map((i) => i.name).toSorted(),
    );

    type Rules = { groups: { name: string; rules: { health: string }[] }[] };
    const { groups } = await api<Rules>("/api/v1/rules");
    expect(groups.map((g) => g.name).toSorted()).toEqual(["fastr-alerts", "fastr-recording"]);
    expect(groups.flatMap((g) => g.rules).every((r) => r.health !== "err")).toBe(true);

    // What the instances reported reaches Prometheus: the paid checkout of the test above, once.
    type Vector = { result: { value: [number, string] }[] };
    await waitFor(
      "Prometheus to hold the checkouts",
      async () => {
        const { result } = await api<Vector>(
          `/api/v1/query?query=${encodeURIComponent('sum(fastr_checkouts_total{outcome="paid"})')}`,
        );
        return Number(result[0]?.value[1]) >= 1;
      },
      15_000,
    );
  }, 60_000);
}
