import { INT_MAX } from "../../../contracts/common.ts";
import { DomainError } from "../../../contracts/errors.ts";
import type { OrderStatus } from "../../../contracts/order.ts";

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

/** Every error the order service raises, by code; messages name what refused the call. */
export const orderErrors = {
  notFound: () => new DomainError("NOT_FOUND", "ORDER.NOT_FOUND", "order not found"),
  /** A move the state machine does not allow, naming both states ("cannot cancel an order that is fulfilled"). */
  invalidTransition: (from: OrderStatus, to: OrderStatus) =>
    new DomainError(
      "CONFLICT",
      "ORDER.INVALID_TRANSITION",
      `cannot ${verbs[to]} an order that is ${describe(from)}`,
      { from, to },
    ),
  checkoutInProgress: () =>
    new DomainError(
      "CONFLICT",
      "ORDER.CHECKOUT_IN_PROGRESS",
      "this order's checkout is still running; try again in a moment",
    ),
  emptyCart: () => new DomainError("BAD_REQUEST", "ORDER.EMPTY_CART", "your cart is empty"),
  outOfStock: (name: string, available: number, variantId: string) =>
    new DomainError(
      "CONFLICT",
      "ORDER.OUT_OF_STOCK",
      available === 0 ? `${name} is sold out` : `${name} has only ${available} left`,
      { variantId },
    ),
  totalTooLarge: () =>
    new DomainError(
      "BAD_REQUEST",
      "ORDER.TOTAL_TOO_LARGE",
      `one order can total at most ${INT_MAX} minor units; split the cart into smaller orders`,
    ),
  paymentDeclined: (orderId: string, reason: string | null) =>
    new DomainError("PAYMENT_REQUIRED", "ORDER.PAYMENT_DECLINED", reason ?? "the payment was declined", {
      orderId,
    }),
  notPlaced: (orderId: string, reason: string | null) =>
    new DomainError("CONFLICT", "ORDER.NOT_PLACED", reason ?? "the order could not be placed", { orderId }),
  idempotencyKeyReused: () =>
    new DomainError(
      "CONFLICT",
      "ORDER.IDEMPOTENCY_KEY_REUSED",
      "this idempotency key was already used for a different checkout; use a new key for a new purchase",
    ),
  badCursor: () => new DomainError("BAD_REQUEST", "ORDER.BAD_CURSOR", "not a cursor this API issued"),
};
