import type { OrderStatus } from "../../../contracts/order.ts";
import type { PaymentRecord } from "../../../contracts/payment.ts";

/** What an order must do to agree with its payment once the provider changed the payment on its own. */
export type Reconciliation =
  /** The checkout is still running; it reconciles once it comes to rest. */
  | { action: "wait" }
  /** Order and payment already agree. */
  | { action: "none" }
  /** Paid after the checkout had failed: take the stock again and mark it paid (or refund if it is gone). */
  | { action: "take-stock-and-mark-paid" }
  /** Money arrived for an order cancelled before it was charged: give it back. */
  | { action: "refund" }
  /** Refunded at the provider: the order is refunded; units go back on the shelf unless it shipped. */
  | { action: "mark-refunded"; restock: boolean };

/**
 * Decides how an order follows its payment (ADR 021). Only the payment's current status counts, never
 * the event that announced it, so duplicated or reordered events reach the same end.
 * @example reconcile({ status: "payment_failed", refundDue: false }, "succeeded") // take-stock-and-mark-paid
 */
export function reconcile(
  order: { status: OrderStatus; refundDue: boolean },
  payment: PaymentRecord["status"] | null,
): Reconciliation {
  if (order.status === "pending" || order.status === "awaiting_payment") return { action: "wait" };
  if (payment === "succeeded") {
    if (order.status === "payment_failed") return { action: "take-stock-and-mark-paid" };
    if (order.status === "cancelled" && !order.refundDue) return { action: "refund" };
  }
  if (payment === "refunded") {
    if (order.status === "paid") return { action: "mark-refunded", restock: true };
    if (order.status === "fulfilled") return { action: "mark-refunded", restock: false };
  }
  return { action: "none" };
}
