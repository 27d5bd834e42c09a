import { afterAll, beforeAll, expect, it } from "bun:test";
import { createFastrClient } from "../../routers/client.ts";
import { checkout, readyBuyer } from "../../test/support/buyers.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import { type EmbeddedShop, startEmbeddedShop } from "../../test/support/shop.ts";
import { requestStatements } from "../../test/support/statements.ts";
import { describeOn } from "../../test/support/target.ts";

/**
 * Budgets, not timings: the SQL statements each cart call sends (ADR 146). With the variants' prices
 * and stock in the product service's caches, a call is its cart's own statements: one write, or a
 * read when the embedded shop does not hold the cart (ADR 187). Raise a bound only with a reason.
 */
describeOn(["pglite"], "cart cost", "counts statements through PGlite's query hook", () => {
  const seen: string[] = [];
  let shop: EmbeddedShop;
  let variantIds: string[];
  beforeAll(async () => {
    shop = await startEmbeddedShop({ onQuery: (sql) => seen.push(sql) });
    // Two variants of one product and one of another: a cart of lines from several products.
    const [two, one] = [await stockedProduct(shop, [50, 50]), await stockedProduct(shop, [50])];
    variantIds = [...two.variantIds, ...one.variantIds];
    // Fills the product's caches with the variants, as any earlier cart call or product page does.
    await createFastrClient({ baseUrl: shop.url }).cart.addItem.mutate({
      variantId: variantIds[0]!,
      quantity: 1,
    });
    await shop.services.product.cachedVariants(variantIds);
  });
  afterAll(() => shop.stop());

  /** The statements `call` sends on its request path, printed with SHOW_SQL=1. */
  async function statementsOf(call: () => Promise<unknown>) {
    await shop.settle();
    seen.length = 0;
    await call();
    const own = requestStatements(seen);
    if (process.env.SHOW_SQL)
      console.info(own.map((s, i) => `${i + 1}. ${s.trim().slice(0, 150)}`).join("\n"));
    return own.length;
  }
  const guest = (token?: string) =>
    createFastrClient({ baseUrl: shop.url, headers: token ? { "x-cart-token": token } : {} });

  it("creates a guest cart with its first line in 1 SQL statement, and adds to it in 1 (the held cart is not read)", async () => {
    let token = "";
    const created = await statementsOf(async () => {
      token = (await guest().cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 1 })).token!;
    });
    expect(created).toBe(1);
    const added = await statementsOf(() =>
      guest(token).cart.addItem.mutate({ variantId: variantIds[1]!, quantity: 2 }),
    );
    expect(added).toBe(1);
    expect(
      await statementsOf(async () => expect((await guest(token).cart.get.query()).itemCount).toBe(3)),
    ).toBe(0);
  });

  it("reads a signed-in customer's held cart in no SQL statement; adds, sets a quantity and removes a line in 1 each", async () => {
    const buyer = await readyBuyer(shop, variantIds[0]!);
    expect(
      await statementsOf(() => buyer.client.cart.addItem.mutate({ variantId: variantIds[1]!, quantity: 1 })),
    ).toBe(1);
    expect(await statementsOf(() => buyer.client.cart.get.query())).toBe(0);
    expect(
      await statementsOf(() =>
        buyer.client.cart.setQuantity.mutate({ variantId: variantIds[1]!, quantity: 4 }),
      ),
    ).toBe(1);
    expect(await statementsOf(() => buyer.client.cart.removeItem.mutate({ variantId: variantIds[0]! }))).toBe(
      1,
    );
    expect((await buyer.client.cart.get.query()).lines.map((l) => [l.variantId, l.quantity])).toEqual([
      [variantIds[1]!, 4],
    ]);
  });

  it("reads what the caches lost in one more statement, however many lines: prices after a staff write, stock after sales", async () => {
    const buyer = await readyBuyer(shop, variantIds[0]!);
    for (const variantId of variantIds.slice(1))
      await buyer.client.cart.addItem.mutate({ variantId, quantity: 1 });
    expect(await statementsOf(() => buyer.client.cart.get.query())).toBe(0);

    await stockedProduct(shop, [5]); // a staff write: every cached price is gone
    expect(await statementsOf(() => buyer.client.cart.get.query())).toBe(1);
    expect(await statementsOf(() => buyer.client.cart.get.query())).toBe(0);

    // Another customer buys from both products: their units left are no longer cached.
    const other = await readyBuyer(shop, variantIds[1]!);
    await other.client.cart.addItem.mutate({ variantId: variantIds[2]!, quantity: 1 });
    await checkout(other);
    expect(await statementsOf(() => buyer.client.cart.get.query())).toBe(1);
    const cart = await buyer.client.cart.get.query();
    expect(cart.lines.map((l) => l.available)).toEqual([50, 49, 49]);
  });
});
