import { DomainError } from "../../../contracts/errors.ts";
import type { OrderStatus } from "../../../contracts/order.ts";

/**
 * Every move an order may make. Anything not listed is impossible:
 * pending → awaiting_payment (stock reserved) → paid (charged) → fulfilled (shipped);
 * a checkout that cannot get stock or payment ends cancelled or payment_failed;
 * a paid order cancelled by the customer is refunded.
 * The payment provider may change its mind afterwards (ADR 021): a failed payment that succeeds late
 * makes the order paid (stock re-taken) or cancelled-then-refunded (stock gone); a refund made at the
 * provider ends a paid or fulfilled order refunded.
 */
export const transitions: Readonly<Record<OrderStatus, readonly OrderStatus[]>> = {
  pending: ["awaiting_payment", "cancelled"],
  awaiting_payment: ["paid", "payment_failed", "cancelled"],
  paid: ["fulfilled", "cancelled", "refunded"],
  cancelled: ["refunded"],
  fulfilled: ["refunded"],
  payment_failed: ["paid", "cancelled"],
  refunded: [],
};

const verbs: Record<OrderStatus, string> = {
  pending: "reopen",
  awaiting_payment: "take payment for",
  paid: "mark as paid",
  fulfilled: "fulfil",
  cancelled: "cancel",
  payment_failed: "fail the payment of",
  refunded: "refund",
};

const describe = (status: OrderStatus) => status.replace("_", " ");

export const canMove = (from: OrderStatus, to: OrderStatus) => transitions[from].includes(to);

const refusal = (from: OrderStatus, to: OrderStatus) =>
  new DomainError(
    "CONFLICT",
    "ORDER.INVALID_TRANSITION",
    `cannot ${verbs[to]} an order that is ${describe(from)}`,
    {
      from,
      to,
    },
  );

/** The new status, or a CONFLICT that names both states ("cannot cancel an order that is fulfilled"). */
export function move(from: OrderStatus, to: OrderStatus): OrderStatus {
  if (!canMove(from, to)) throw refusal(from, to);
  return to;
}

/**
 * A customer may cancel a paid order that has not shipped; the other ways into `cancelled` belong to
 * the checkout saga (no stock, payment arriving too late).
 */
export function checkCustomerCanCancel(status: OrderStatus) {
  if (status !== "paid") throw refusal(status, "cancelled");
}

/** Statuses in which the checkout saga still has work to do. */
export const inFlight: readonly OrderStatus[] = ["pending", "awaiting_payment"];
