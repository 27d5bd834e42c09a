/**
 * A real power cut in the middle of a checkout: `bun start` with FASTR_KILL_AT SIGKILLs itself at a
 * saga gap while serving `order.checkout`; a plain restart on the same data directory must finish
 * the order exactly once. Everything the customer sees is checked over HTTP with the same token.
 * One gap is enough here, the worst (the card charged, nothing after it written): what a real kill adds
 * to a crash is the process and the data directory, the same at every gap. What each gap leaves and how
 * a restart resolves it, every gap, is services/order/recovery.http.test.ts's.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { openPglite } from "../../platform/db/pglite.ts";
import type { FastrClient } from "../../routers/client.ts";
import { chargeKey, simulatedLedger } from "../../services/payment/index.ts";
import { waitFor } from "../support/binaries.ts";
import { cleanup, exitWithin, startedDataDir, startShop, stopAll } from "./support.ts";

const address = {
  name: "Ada Crash",
  line1: "Unter den Linden 1",
  city: "Berlin",
  postalCode: "10117",
  country: "DE",
};

/** An in-stock variant of a seeded product, and its stock now. */
async function inStockVariant(client: FastrClient) {
  const { items } = await client.product.list.query({ limit: 100 });
  for (const summary of items.filter((p) => p.inStock)) {
    const product = await client.product.get.query({ id: summary.id });
    const variant = product.variants.find((v) => v.stock >= 1);
    if (variant) return { productId: product.id, variantId: variant.id, stock: variant.stock };
  }
  throw new Error("no seeded variant in stock");
}

const stockOf = async (client: FastrClient, productId: string, variantId: string) =>
  (await client.product.get.query({ id: productId })).variants.find((v) => v.id === variantId)!.stock;

/** The e-mails the customer got, oldest first, by kind (they go out asynchronously). */
const emailKinds = async (client: FastrClient) =>
  (await client.notification.list.query({ limit: 100 })).items.map((e) => e.kind).reverse();

describe("a checkout whose process is killed mid-saga", () => {
  let dataDir: string;
  const placed: string[] = [];

  beforeAll(async () => {
    dataDir = await startedDataDir("crash", { seed: true });
  }, 30_000);
  afterAll(async () => {
    await stopAll();
    cleanup();
  });

  // The worst gap: the card charged, and nothing written after it.
  const point = "after-charge";
  it("is paid exactly once after a restart when the process dies after charge", async () => {
    const doomed = await startShop({ dataDir, env: { FASTR_KILL_AT: point } });
    const email = `crash-${point}-${Date.now()}@example.test`;
    const { token } = await doomed
      .client()
      .auth.signup.mutate({ email, password: "correct horse battery", name: "Ada Crash" });
    const before = doomed.client(token);
    const { id: addressId } = await before.user.addresses.add.mutate(address);
    const { productId, variantId, stock } = await inStockVariant(before);
    const cart = await before.cart.addItem.mutate({ variantId, quantity: 1 });
    expect(cart.lines).toMatchObject([{ variantId, quantity: 1 }]);

    const checkout = {
      idempotencyKey: `e2e-${point}-${Date.now()}`,
      addressId,
      paymentMethodId: "pm_card_visa",
    };
    await expect(before.order.checkout.mutate(checkout)).rejects.toThrow();
    // The process killed itself: no shutdown, no cleanup, no exit code.
    expect(await exitWithin(doomed.proc, 10_000)).toEqual({ exitCode: null, signalCode: "SIGKILL" });

    const shop = await startShop({ dataDir });
    try {
      const client = shop.client(token);
      const { items: orders } = await client.order.list.query({});
      expect(orders).toHaveLength(1);
      const order = orders[0]!;
      expect(order.status).toBe("paid");
      expect(order.lines).toMatchObject([{ variantId, quantity: 1 }]);
      placed.push(order.id);

      expect(await stockOf(client, productId, variantId)).toBe(stock - 1);

      // The customer's retry of the interrupted request gets the same order, not a second one.
      const replayed = await client.order.checkout.mutate(checkout);
      expect(replayed).toMatchObject({ id: order.id, status: "paid" });
      const after = await client.order.list.query({});
      expect(after.items.map((o) => [o.id, o.status])).toEqual([[order.id, "paid"]]);
      expect(await stockOf(client, productId, variantId)).toBe(stock - 1);

      expect((await client.cart.get.query()).lines).toEqual([]);

      // One confirmation e-mail: the paid event was delivered once across the crash.
      await waitFor(
        "the order.paid e-mail",
        async () => (await emailKinds(client)).includes("order.paid"),
        10_000,
      );
      await Bun.sleep(200); // a duplicate would arrive right behind the first
      expect(await emailKinds(client)).toEqual(["user.registered", "order.paid"]);
    } finally {
      expect(await shop.stop()).toEqual({ exitCode: 0, signalCode: null, forced: false });
    }
  }, 60_000);

  it("charged the card once per interrupted order (the card processor's ledger, read after shutdown)", async () => {
    expect(placed).toHaveLength(1);
    const db = await openPglite(`${dataDir}/pgdata`);
    try {
      const { charges, refunds } = await simulatedLedger(db);
      for (const orderId of placed) {
        expect(charges.filter((c) => c.idempotencyKey === chargeKey(orderId))).toHaveLength(1);
      }
      expect(charges).toHaveLength(placed.length);
      expect(refunds).toEqual([]);
    } finally {
      await db.close();
    }
  }, 30_000);
});
