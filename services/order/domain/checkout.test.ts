import { describe, expect, it } from "bun:test";
import { checkOrderable, checkPlaced } from "./checkout.ts";

const line = (quantity: number, available: number, variantTitle = "Default") => ({
  variantId: "0190a000-0000-7000-8000-000000000003",
  title: "Mug",
  variantTitle,
  quantity,
  available,
});
const eur = (amount: number) => ({ amount, currency: "EUR" as const });

describe("what a cart must be to become an order", () => {
  it("refuses an empty cart", () => {
    expect(() => checkOrderable({ lines: [], total: eur(0) })).toThrow("your cart is empty");
  });

  it("refuses more than is in stock, naming the variant and what is left", () => {
    expect(() => checkOrderable({ lines: [line(2, 0)], total: eur(2000) })).toThrow("Mug is sold out");
    expect(() => checkOrderable({ lines: [line(3, 1, "Blue")], total: eur(3000) })).toThrow(
      "Mug (Blue) has only 1 left",
    );
  });

  it("refuses a total one order cannot hold", () => {
    expect(() => checkOrderable({ lines: [line(2, 5)], total: eur(2 ** 32) })).toThrow(
      "one order can total at most 2147483647 minor units",
    );
    expect(() => checkOrderable({ lines: [line(2, 5)], total: eur(2 ** 31 - 1) })).not.toThrow();
  });
});

describe("what a finished checkout answers", () => {
  const order = { id: "0190a000-0000-7000-8000-000000000004", statusReason: null };

  it("is the order when it was placed", () => {
    expect(() => checkPlaced({ ...order, status: "paid" })).not.toThrow();
  });

  it("is the decline when the payment failed, and the reason when it was never placed", () => {
    expect(() =>
      checkPlaced({ ...order, status: "payment_failed", statusReason: "Your card was declined." }),
    ).toThrow("Your card was declined.");
    expect(() => checkPlaced({ ...order, status: "cancelled" })).toThrow("the order could not be placed");
  });
});
