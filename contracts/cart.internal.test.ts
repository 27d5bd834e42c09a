import { describe, expect, it } from "bun:test";
import { cartInternal } from "./cart.internal.ts";
import { INT_MAX } from "./common.ts";

const euros = (amount: number) => ({ amount, currency: "EUR" as const });

/** A cart of two units at the highest price a variant may have. */
const dearCart = {
  subtotal: euros(2 * INT_MAX),
  shipping: euros(0),
  tax: euros(Math.round((2 * INT_MAX * 19) / 119)),
  total: euros(2 * INT_MAX),
  taxRate: 19,
  taxIncluded: true as const,
  token: null,
  lines: [
    {
      variantId: "0190a000-0000-7000-8000-000000000001",
      productId: "0190a000-0000-7000-8000-000000000002",
      title: "Very dear",
      variantTitle: "Default",
      sku: "DEAR-1",
      image: "/media/dear.svg",
      quantity: 2,
      unitPrice: euros(INT_MAX),
      lineTotal: euros(2 * INT_MAX),
      available: 5,
    },
  ],
  itemCount: 2,
  shippingOptions: [],
  shippingOptionId: "standard",
  country: "DE",
};

describe("the cart's internal contract", () => {
  // In the cluster the checkout reads the cart over this contract: were such a cart refused here, the
  // checkout would answer 500 instead of refusing the order (ORDER.TOTAL_TOO_LARGE, 400).
  it("carries a cart whose totals are over what one order may total", () => {
    expect(cartInternal.get.result.parse(dearCart)).toEqual(dearCart);
  });

  it("still refuses amounts that are not whole, non-negative minor units", () => {
    expect(cartInternal.get.result.safeParse({ ...dearCart, total: euros(10.5) }).success).toBe(false);
    expect(cartInternal.get.result.safeParse({ ...dearCart, total: euros(-1) }).success).toBe(false);
  });
});
