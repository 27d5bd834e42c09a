import { describe, expect, it } from "bun:test";
import { OrderStatus } from "../../../contracts/order.ts";
import { canMove, checkCustomerCanCancel, move, transitions } from "./order.ts";

const allowed = new Set([
  "pending→awaiting_payment",
  "pending→cancelled",
  "awaiting_payment→paid",
  "awaiting_payment→payment_failed",
  "awaiting_payment→cancelled",
  "paid→fulfilled",
  "paid→cancelled",
  "paid→refunded",
  "cancelled→refunded",
  "fulfilled→refunded",
  "payment_failed→paid",
  "payment_failed→cancelled",
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
    expect(() => move("refunded", "paid")).toThrow("cannot mark as paid an order that is refunded");
  });

  it("treats refunded as final", () => {
    expect(OrderStatus.options.some((to) => canMove("refunded", to))).toBe(false);
  });

  it("lets the provider's word move a failed or shipped order only towards paid or refunded", () => {
    expect(transitions.payment_failed).toEqual(["paid", "cancelled"]);
    expect(transitions.fulfilled).toEqual(["refunded"]);
  });

  it("lets a customer cancel only a paid order", () => {
    expect(() => checkCustomerCanCancel("paid")).not.toThrow();
    for (const status of OrderStatus.options.filter((s) => s !== "paid")) {
      expect(() => checkCustomerCanCancel(status)).toThrow(/^cannot cancel an order that is /);
    }
    expect(() => checkCustomerCanCancel("payment_failed")).toThrow(
      "cannot cancel an order that is payment failed",
    );
  });
});
