import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { DomainError } from "../../contracts/errors.ts";
import { rowsOf } from "../../platform/db/port.ts";
import { checkout, emailKinds, readyBuyer, stockLedger } from "../../test/support/buyers.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import { failure } from "../../test/support/failure.ts";
import { startTestShop, type TestShop } from "../../test/support/shop.ts";
import { simulatedLedger } from "../payment/index.ts";

/** How the wrapped provider misbehaves on its next charges. */
let misbehave: (() => never) | null = null;

const reservationsOf = async (shop: TestShop, variantId: string) =>
  rowsOf<{ n: number }>(
    await shop.db.primary.execute(
      sql`select count(*)::int as n from product.reservations where variant_id = ${variantId}`,
    ),
  )[0]!.n;

describe("a checkout whose payment cannot go through", () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await startTestShop({
      overrides: {
        paymentProvider: (inner) => ({
          ...inner,
          charge: async (input) => {
            misbehave?.();
            return inner.charge(input);
          },
        }),
      },
    });
  });
  afterAll(() => shop.stop());

  it("holds no stock and writes no order for a payment method the provider does not know (pm_card_doesNotExist)", async () => {
    const { variantIds } = await stockedProduct(shop, [3]);
    const buyer = await readyBuyer(shop, variantIds[0]!, 3);
    for (let attempt = 0; attempt < 3; attempt++) {
      const refused = await failure(checkout(buyer, "pm_card_doesNotExist"));
      expect(refused).toMatchObject({
        code: "BAD_REQUEST",
        message: 'unknown payment method "pm_card_doesNotExist"',
        data: { reason: "PAYMENT.UNKNOWN_METHOD" },
      });
    }
    expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 3, held: 0, sold: 0 });
    expect(await reservationsOf(shop, variantIds[0]!)).toBe(0);
    expect((await buyer.client.order.list.query()).items).toEqual([]);
    expect((await buyer.client.cart.get.query()).itemCount).toBe(3);
    // Another customer can still buy the whole stock at once.
    const other = await readyBuyer(shop, variantIds[0]!, 3);
    const order = await checkout(other);
    expect(order.status).toBe("paid");
  });

  const crashes: [string, () => never][] = [
    [
      "a TypeError (a network failure)",
      () => {
        throw new TypeError("fetch failed: connect ECONNREFUSED 10.0.0.7:443");
      },
    ],
    [
      "a plain Error",
      () => {
        throw new Error("socket hang up");
      },
    ],
    [
      "a domain error that is not a refusal (still processing)",
      () => {
        throw new DomainError("PRECONDITION_FAILED", "PAYMENT.PROCESSING", "the payment is still processing");
      },
    ],
  ];
  for (const [what, fault] of crashes) {
    it(`puts the stock back at once and ends payment_failed when the provider throws ${what} mid-charge`, async () => {
      const { variantIds } = await stockedProduct(shop, [3]);
      const buyer = await readyBuyer(shop, variantIds[0]!, 2);
      misbehave = fault;
      let refused: Awaited<ReturnType<typeof failure>>;
      try {
        refused = await failure(checkout(buyer));
      } finally {
        misbehave = null;
      }
      expect(refused.code).toBe("PAYMENT_REQUIRED");
      expect(refused.message).not.toMatch(/ECONNREFUSED|socket|10\.0\.0\.7/);
      expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 3, held: 0, sold: 0 });
      const [order] = (await buyer.client.order.list.query()).items;
      expect(order).toMatchObject({ status: "payment_failed", statusReason: refused.message });
      expect(
        (await simulatedLedger(shop.db)).charges.filter((c) => c.idempotencyKey.endsWith(order!.id)),
      ).toEqual([]);
      expect(await emailKinds(shop, buyer.token)).toEqual(["user.registered", "order.payment_failed"]);

      // Nothing is left for recovery: a sweep taking every order changes nothing.
      await shop.shop.runJobs({ atStart: true });
      expect((await buyer.client.order.get.query({ id: order!.id })).status).toBe("payment_failed");
      expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 3, held: 0, sold: 0 });
    });
  }
});
