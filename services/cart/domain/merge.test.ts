import { describe, expect, it } from "bun:test";
import type { VariantInfo } from "../../../contracts/product.ts";
import { planMerge } from "./merge.ts";

const variant = (id: string, overrides: Partial<VariantInfo> = {}): VariantInfo => ({
  id,
  productId: `p-${id}`,
  sku: id.toUpperCase(),
  title: `Thing ${id}`,
  variantTitle: "Default",
  image: "",
  price: { amount: 1000, currency: "EUR" },
  stock: 10,
  purchasable: true,
  ...overrides,
});
const at = (n: number) => new Date(Date.UTC(2026, 0, 1, 0, 0, n));
const catalog = (...vs: VariantInfo[]) => new Map(vs.map((v) => [v.id, v]));

describe("merging a guest cart into a customer's cart", () => {
  it("sums quantities, caps them at the stock and says how many were kept", () => {
    const plan = planMerge({
      held: [{ variantId: "a", quantity: 3 }],
      guest: [{ variantId: "a", quantity: 3, addedAt: at(1) }],
      variants: catalog(variant("a", { stock: 4 })),
      maxLines: 100,
    });
    expect(plan.additions).toEqual([{ variantId: "a", add: 1, stock: 4, addedAt: at(1) }]);
    expect(plan.leftOut).toEqual([
      {
        variantId: "a",
        title: "Thing a",
        quantity: 3,
        kept: 1,
        reason: "not_enough_stock",
        message: "only 4 of Thing a left; your cart has 4",
      },
    ]);
  });

  it("keeps the customer's currency and leaves lines in another currency out", () => {
    const plan = planMerge({
      held: [{ variantId: "eur", quantity: 1 }],
      guest: [{ variantId: "usd", quantity: 2, addedAt: at(1) }],
      variants: catalog(variant("eur"), variant("usd", { price: { amount: 500, currency: "USD" } })),
      maxLines: 100,
    });
    expect(plan.additions).toEqual([]);
    expect(plan.leftOut).toMatchObject([
      {
        variantId: "usd",
        kept: 0,
        reason: "other_currency",
        message: "Thing usd is priced in USD and your cart is in EUR",
      },
    ]);
  });

  it("takes the guest's first line's currency for an empty customer cart", () => {
    const plan = planMerge({
      held: [],
      guest: [
        { variantId: "eur", quantity: 1, addedAt: at(2) },
        { variantId: "usd", quantity: 1, addedAt: at(1) },
      ],
      variants: catalog(variant("eur"), variant("usd", { price: { amount: 500, currency: "USD" } })),
      maxLines: 100,
    });
    expect(plan.additions.map((a) => a.variantId)).toEqual(["usd"]);
    expect(plan.leftOut.map((l) => [l.variantId, l.reason])).toEqual([["eur", "other_currency"]]);
  });

  it("stops at the line cap but still tops up lines the cart already has", () => {
    const plan = planMerge({
      held: [
        { variantId: "a", quantity: 1 },
        { variantId: "b", quantity: 1 },
      ],
      guest: [
        { variantId: "c", quantity: 1, addedAt: at(1) },
        { variantId: "a", quantity: 1, addedAt: at(2) },
      ],
      variants: catalog(variant("a"), variant("b"), variant("c")),
      maxLines: 2,
    });
    expect(plan.additions.map((a) => [a.variantId, a.add])).toEqual([["a", 1]]);
    expect(plan.leftOut.map((l) => [l.variantId, l.reason])).toEqual([["c", "cart_full"]]);
  });

  it("leaves out what is sold out, no longer sold, or gone", () => {
    const plan = planMerge({
      held: [],
      guest: [
        { variantId: "soldout", quantity: 1, addedAt: at(1) },
        { variantId: "archived", quantity: 1, addedAt: at(2) },
        { variantId: "gone", quantity: 2, addedAt: at(3) },
      ],
      variants: catalog(variant("soldout", { stock: 0 }), variant("archived", { purchasable: false })),
      maxLines: 100,
    });
    expect(plan.additions).toEqual([]);
    expect(plan.leftOut.map((l) => [l.variantId, l.reason, l.title])).toEqual([
      ["soldout", "sold_out", "Thing soldout"],
      ["archived", "not_for_sale", "Thing archived"],
      ["gone", "gone", null],
    ]);
  });
});
