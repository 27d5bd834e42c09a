import { describe, expect, it } from "bun:test";
import { OrderStatus } from "../../../contracts/order.ts";
import { canMove, move, transitions } from "./order.ts";

const allowed = new Set([
  "pending→awaiting_payment",
  "pending→cancelled",
  "awaiting_payment→paid",
  "awaiting_payment→payment_failed",
  "awaiting_payment→cancelled",
  "paid→fulfilled",
  "paid→cancelled",
  "cancelled→refunded",
]);

describe("order status", () => {
  it("allows exactly the documented transitions and refuses every other one of the 49", () => {
    for (const from of OrderStatus.options) {
      for (const to of OrderStatus.options) {
        const key = `${from}→${to}`;
        if (allowed.has(key)) {
          expect(move(from, to)).toBe(to);
        } else {
          expect(() => move(from, to)).toThrow(/^cannot .+ an order that is /);
        }
      }
    }
    expect(Object.values(transitions).flat()).toHaveLength(allowed.size);
  });

  it("names both states when it refuses", () => {
    expect(() => move("fulfilled", "cancelled")).toThrow("cannot cancel an order that is fulfilled");
    expect(() => move("payment_failed", "paid")).toThrow(
      "cannot mark as paid an order that is payment failed",
    );
  });

  it("treats final states as final", () => {
    for (const final of ["fulfilled", "payment_failed", "refunded"] as const) {
      expect(OrderStatus.options.some((to) => canMove(final, to))).toBe(false);
    }
  });
});
