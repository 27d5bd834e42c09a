import { afterAll, beforeAll, expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { rowsOf } from "../platform/db/port.ts";
import { createFastrClient } from "../routers/client.ts";
import { stockedProduct } from "./support/catalog.ts";
import { type EmbeddedShop, startEmbeddedShop } from "./support/shop.ts";
import { describeEmbedded } from "./support/target.ts";

describeEmbedded("housekeeping", "runs the shop's jobs by hand", () => {
  let shop: EmbeddedShop;
  beforeAll(async () => {
    shop = await startEmbeddedShop();
  });
  afterAll(() => shop.stop());

  const guestCart = (token: string) =>
    createFastrClient({ baseUrl: shop.url, headers: { "x-cart-token": token } }).cart.get.query();
  const count = async (table: string, where = "true") =>
    rowsOf<{ n: number }>(
      await shop.db.primary.execute(sql.raw(`select count(*)::int as n from ${table} where ${where}`)),
    )[0]!.n;

  it("prunes old published events, old inbox entries and abandoned guest carts, and nothing else", async () => {
    const { variantIds } = await stockedProduct(shop, [5]);
    await shop.customer(); // a user.registered event: published, handled, e-mailed
    const abandoned = await shop.client().cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 1 });
    const fresh = await shop.client().cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 1 });
    const { client } = await shop.customer();
    await client.cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 1 });
    await shop.settle();

    const published = await count("auth.outbox", "published_at is not null");
    const handled = await count("notification.inbox");
    expect(published).toBeGreaterThan(0);
    expect(handled).toBeGreaterThan(0);
    // Age everything as if the shop had been running for two months, except one guest cart.
    for (const aged of [
      "update auth.outbox set published_at = published_at - interval '60 days'",
      "update notification.inbox set handled_at = handled_at - interval '60 days'",
      "update cart.carts set updated_at = updated_at - interval '60 days'",
    ]) {
      await shop.db.primary.execute(sql.raw(aged));
    }
    await shop.db.primary.execute(sql`update cart.carts set updated_at = now() where token_hash is not null and id = (
      select id from cart.carts where token_hash is not null order by created_at desc limit 1)`);
    await shop.db.primary.execute(
      sql.raw(`insert into auth.outbox (id, type, version, aggregate_id, payload, occurred_at)
      values (gen_random_uuid(), 'user.registered', 1, 'x', '{}', now() - interval '90 days')`),
    );

    await shop.shop.runJobs();
    expect(await count("auth.outbox", "published_at is not null")).toBe(0);
    expect(await count("notification.inbox")).toBe(0);
    expect(await count("auth.outbox", "published_at is null")).toBe(1); // never prune what was not sent
    expect((await guestCart(abandoned.token!)).lines).toEqual([]);
    expect((await guestCart(fresh.token!)).itemCount).toBe(1);
    expect((await client.cart.get.query()).itemCount).toBe(1); // a signed-in customer's cart is never swept
  });
});
