import { afterAll, beforeAll, expect, it } from "bun:test";
import { readyBuyer } from "../../test/support/buyers.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import { type EmbeddedShop, startEmbeddedShop } from "../../test/support/shop.ts";
import { requestStatements } from "../../test/support/statements.ts";
import { describeOn } from "../../test/support/target.ts";

/**
 * A budget, not a timing: the number of SQL statements one checkout sends (BEGIN/COMMIT excluded).
 * It keeps the hot path lean; raise it only with a reason. Where the 12 go (ADR 145): the address, the
 * cart's lines, the variants' prices and stock (fresh), the order with its lines and key, the
 * reservation, awaiting_payment, the payment's claim, the provider's charge, the payment's outcome,
 * the sale of the reserved units, the cart losing what was bought, and paid with its event.
 */
const STATEMENT_BUDGET = 12;

describeOn(["pglite"], "checkout cost", "counts statements through PGlite's query hook", () => {
  const statements: string[] = [];
  let shop: EmbeddedShop;
  beforeAll(async () => {
    shop = await startEmbeddedShop({ onQuery: (sql) => statements.push(sql) });
  });
  afterAll(() => shop.stop());

  it(`runs a paid checkout in at most ${STATEMENT_BUDGET} SQL statements on the request path, BEGIN and COMMIT aside`, async () => {
    const { variantIds } = await stockedProduct(shop, [5]);
    const buyer = await readyBuyer(shop, variantIds[0]!);
    await shop.settle();
    statements.length = 0;
    const order = await buyer.client.order.checkout.mutate({
      idempotencyKey: "count-me-1",
      addressId: buyer.addressId,
      paymentMethodId: "pm_card_visa",
    });
    const ownStatements = requestStatements(statements);
    const count = ownStatements.length;
    expect(order.status).toBe("paid");
    console.info(`checkout issued ${count} SQL statements`);
    if (process.env.SHOW_SQL)
      console.info(ownStatements.map((s, i) => `${i + 1}. ${s.slice(0, 150)}`).join("\n"));
    expect(count).toBeLessThanOrEqual(STATEMENT_BUDGET);
  });
});
