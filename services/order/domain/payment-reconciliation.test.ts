import { describe, expect, it } from "bun:test";
import type { OrderStatus } from "../../../contracts/order.ts";
import { reconcile } from "./payment-reconciliation.ts";

const at = (status: OrderStatus, refundDue = false) => ({ status, refundDue });

describe("reconciling an order with a payment the provider changed", () => {
  it("waits while the checkout is still running, whatever the payment says", () => {
    for (const payment of ["pending", "succeeded", "declined", "refunded", null] as const) {
      expect(reconcile(at("pending"), payment)).toEqual({ action: "wait" });
      expect(reconcile(at("awaiting_payment"), payment)).toEqual({ action: "wait" });
    }
  });

  it("takes the stock again for a failed order whose payment succeeded late", () => {
    expect(reconcile(at("payment_failed"), "succeeded")).toEqual({ action: "take-stock-and-mark-paid" });
  });

  it("refunds money that arrived for an order cancelled before it was charged", () => {
    expect(reconcile(at("cancelled"), "succeeded")).toEqual({ action: "refund" });
    expect(reconcile(at("cancelled", true), "succeeded")).toEqual({ action: "none" });
  });

  it("refunds a paid order and restocks it, and refunds a shipped one without restocking", () => {
    expect(reconcile(at("paid"), "refunded")).toEqual({ action: "mark-refunded", restock: true });
    expect(reconcile(at("fulfilled"), "refunded")).toEqual({ action: "mark-refunded", restock: false });
  });

  it("leaves every order that already agrees with its payment alone", () => {
    const agreeing = [
      [at("paid"), "succeeded"],
      [at("fulfilled"), "succeeded"],
      [at("refunded"), "succeeded"],
      [at("refunded"), "refunded"],
      [at("payment_failed"), "declined"],
      [at("payment_failed"), "refunded"],
      [at("payment_failed"), "pending"],
      [at("cancelled", true), "refunded"],
      [at("paid"), null],
    ] as const;
    for (const [order, payment] of agreeing) expect(reconcile(order, payment)).toEqual({ action: "none" });
  });
});
