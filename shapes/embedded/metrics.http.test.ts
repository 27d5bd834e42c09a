import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { newId } from "../../platform/ids.ts";
import { readyBuyer } from "../../test/support/buyers.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import { type Sample, scrape, select, total } from "../../test/support/scrape.ts";
import { startTestShop, type TestShop } from "../../test/support/shop.ts";
import { isLoopbackAddress } from "./metrics-access.ts";

const key = () => `metrics-${crypto.randomUUID()}`;

describe("/metrics of the embedded shop", () => {
  let shop: TestShop;
  const metrics = () => scrape(`${shop.url}/metrics`);
  beforeAll(async () => {
    shop = await startTestShop();
  });
  afterAll(() => shop.stop());

  /** Buys one unit of a fresh product with `paymentMethodId` through HTTP, and lets its events settle. */
  const buy = async (paymentMethodId: string, idempotencyKey = key()) => {
    const { variantIds } = await stockedProduct(shop, [3]);
    const buyer = await readyBuyer(shop, variantIds[0]!);
    const input = { idempotencyKey, addressId: buyer.addressId, paymentMethodId };
    const outcome = await buyer.client.order.checkout.mutate(input).catch((error) => error);
    await shop.settle();
    return { buyer, input, outcome };
  };

  it("serves the whole shop's series in Prometheus's text format to a scraper on this machine", async () => {
    const response = await shop.fetch("/metrics");
    expect(response.status).toBe(200);
    expect(response.headers.get("content-type")).toBe("text/plain; version=0.0.4; charset=utf-8");
    expect(response.headers.get("cache-control")).toBe("no-store");

    const samples = await metrics();
    const names = new Set(samples.map((s) => s.name));
    for (const name of [
      "process_resident_memory_bytes",
      "fastr_db_operations_in_flight",
      "fastr_outbox_backlog",
      "fastr_event_consumer_lag",
      "fastr_orders",
      "fastr_dead_letters",
      "fastr_emails_unsent",
    ])
      expect(names).toContain(name);
    // One registry for every service: each service's series carry its name.
    expect(select(samples, "fastr_orders", { service: "order", status: "paid" })).toHaveLength(1);
    expect(select(samples, "fastr_outbox_backlog").map((s) => s.labels.outbox)).toContain("order.outbox");
    expect(select(samples, "fastr_event_consumer_lag").map((s) => s.labels.consumer)).toEqual(
      expect.arrayContaining(["order", "notification"]),
    );
  });

  it("moves with a checkout: the order.checkout call, the paid checkout, the order by status; outbox and consumers catch up", async () => {
    const before = await metrics();
    const { outcome } = await buy("pm_card_visa");
    expect(outcome.status).toBe("paid");
    const after = await metrics();

    const moved = (name: string, labels: Record<string, string>) =>
      total(after, name, labels) - total(before, name, labels);
    expect(
      moved("fastr_procedure_calls_total", { service: "order", procedure: "checkout", code: "OK" }),
    ).toBe(1);
    expect(moved("fastr_procedure_duration_seconds_count", { service: "order", procedure: "checkout" })).toBe(
      1,
    );
    expect(moved("fastr_checkouts_total", { service: "order", outcome: "paid" })).toBe(1);
    expect(moved("fastr_orders", { service: "order", status: "paid" })).toBe(1);
    expect(moved("fastr_procedure_calls_total", { service: "cart", procedure: "addItem", code: "OK" })).toBe(
      1,
    );
    // Settled: every event published, every consumer caught up.
    expect(total(after, "fastr_outbox_backlog")).toBe(0);
    expect(total(after, "fastr_event_consumer_lag")).toBe(0);
    expect(total(after, "fastr_events_dead_lettered_total")).toBe(0);
  });

  it("counts declines by reason, replays, and stock takes that found too little", async () => {
    const before = await metrics();
    const declined = await buy("pm_card_chargeDeclinedInsufficientFunds");
    expect(declined.outcome.data?.code).toBe("PAYMENT_REQUIRED");
    await declined.buyer.client.order.checkout.mutate(declined.input).catch(() => {}); // the same key again
    const { variantIds } = await stockedProduct(shop, [1]);
    const reserving = shop.services.product.reserve(
      newId(),
      [{ variantId: variantIds[0]!, quantity: 2 }],
      60_000,
    );
    await expect(reserving).rejects.toMatchObject({ code: "PRODUCT.OUT_OF_STOCK" });
    const after = await metrics();

    const moved = (name: string, labels: Record<string, string>) =>
      total(after, name, labels) - total(before, name, labels);
    expect(moved("fastr_payment_declines_total", { service: "payment", reason: "insufficient_funds" })).toBe(
      1,
    );
    expect(moved("fastr_checkouts_total", { outcome: "payment_failed" })).toBe(1);
    expect(moved("fastr_checkouts_total", { outcome: "replayed" })).toBe(1);
    expect(moved("fastr_orders", { status: "payment_failed" })).toBe(1);
    expect(moved("fastr_stock_conflicts_total", { service: "product" })).toBe(1);
    expect(
      moved("fastr_procedure_calls_total", {
        service: "order",
        procedure: "checkout",
        code: "PAYMENT_REQUIRED",
      }),
    ).toBe(2);
  });

  it("labels every name the router lacks `unknown`, and counts each call of a batch with its own code", async () => {
    const before = await metrics();
    for (const name of ["doesNotExist", "neitherDoesThis", "wp-login.php"])
      expect((await shop.fetch(`/api/product/trpc/${name}`)).status).toBe(404);
    const input = encodeURIComponent(
      JSON.stringify({ 0: { json: null }, 1: { json: { id: "not-a-uuid" } } }),
    );
    const batch = await shop.fetch(`/api/product/trpc/categories,get?batch=1&input=${input}`);
    expect(batch.status).toBe(207);
    const after = await metrics();

    const moved = (labels: Record<string, string>) =>
      total(after, "fastr_procedure_calls_total", labels) -
      total(before, "fastr_procedure_calls_total", labels);
    expect(moved({ service: "product", procedure: "unknown", code: "NOT_FOUND" })).toBe(3);
    expect(moved({ service: "product", procedure: "categories", code: "OK" })).toBe(1);
    expect(moved({ service: "product", procedure: "get", code: "BAD_REQUEST" })).toBe(1);
    const procedures = new Set(
      select(after, "fastr_procedure_calls_total").map((s: Sample) => s.labels.procedure),
    );
    expect(procedures).not.toContain("doesNotExist");
    expect(procedures).not.toContain("wp-login.php");
  });

  it("refuses /metrics to a request relayed by a proxy, or addressed to a name that is not loopback", async () => {
    const relayed = await shop.fetch("/metrics", { headers: { "x-forwarded-for": "203.0.113.9" } });
    expect(relayed.status).toBe(403);
    expect(await relayed.text()).toContain("served to this machine only");
    expect((await shop.fetch("/metrics", { headers: { forwarded: "for=203.0.113.9" } })).status).toBe(403);
    const rebound = await shop.fetch("/metrics", { headers: { host: "rebind.attacker.example" } });
    expect(rebound.status).toBe(403);
  });
});

describe("isLoopbackAddress", () => {
  it("takes 127.0.0.0/8 and ::1, also IPv4-mapped, and nothing else", () => {
    for (const a of ["127.0.0.1", "127.8.9.10", "::1", "::ffff:127.0.0.1"])
      expect([a, isLoopbackAddress(a)]).toEqual([a, true]);
    for (const a of [
      "10.0.0.1",
      "::ffff:10.0.0.1",
      "128.0.0.1",
      "fe80::1",
      "",
      "unknown",
      "127.0.0.1.example",
    ])
      expect([a, isLoopbackAddress(a)]).toEqual([a, false]);
  });
});
