import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { checkout, readyBuyer } from "../../test/support/buyers.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import { startTestShop, type TestShop } from "../../test/support/shop.ts";

/**
 * A budget, not a timing: the number of SQL statements one checkout sends (BEGIN/COMMIT excluded).
 * It keeps the hot path lean; raise it only with a reason.
 */
const STATEMENT_BUDGET = 22;

describe("checkout cost", () => {
  const statements: string[] = [];
  let shop: TestShop;
  beforeAll(async () => {
    shop = await startTestShop({ onQuery: (sql) => statements.push(sql) });
  });
  afterAll(() => shop.stop());

  it(`issues at most ${STATEMENT_BUDGET} SQL statements for one paid checkout`, async () => {
    const { variantIds } = await stockedProduct(shop, [5]);
    const buyer = await readyBuyer(shop, variantIds[0]!);
    await shop.settle();
    statements.length = 0;
    const order = await checkout(buyer, "pm_card_visa", "count-me-1");
    // The relay and the e-mail consumer run alongside (after commit, off the request path): not counted.
    const background =
      /^(select pg_try_advisory_xact_lock|select .* from "\w+"\."outbox"|update "\w+"\."outbox" set "published_at"|insert into "notification"|select .* from "notification")/;
    const ownStatements = statements.filter((s) => !background.test(s));
    const count = ownStatements.length;
    expect(order.status).toBe("paid");
    console.info(`checkout issued ${count} SQL statements`);
    if (process.env.SHOW_SQL)
      console.info(ownStatements.map((s, i) => `${i + 1}. ${s.slice(0, 150)}`).join("\n"));
    expect(count).toBeLessThanOrEqual(STATEMENT_BUDGET);
  });
});
