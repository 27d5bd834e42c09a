import type { OrderStatus } from "../../../contracts/order.ts";
import { orderErrors } from "./order.errors.ts";
import { type OrderEvent, type OrderFacts, orderEvents } from "./order-events.ts";

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

export const canMove = (from: OrderStatus, to: OrderStatus) => transitions[from].includes(to);

/** The new status, or a CONFLICT that names both states ("cannot cancel an order that is fulfilled"). */
export function move(from: OrderStatus, to: OrderStatus): OrderStatus {
  if (!canMove(from, to)) throw orderErrors.invalidTransition(from, to);
  return to;
}

/**
 * A customer may cancel a paid order that has not shipped; the other ways into `cancelled` belong to
 * the checkout saga (no stock, payment arriving too late).
 */
export function checkCustomerCanCancel(status: OrderStatus) {
  if (status !== "paid") throw orderErrors.invalidTransition(status, "cancelled");
}

/** Statuses in which the checkout saga still has work to do. */
export const inFlight: readonly OrderStatus[] = ["pending", "awaiting_payment"];

/**
 * The saga's to-do list on an order: each flag is work still owed (a crash may leave it), finished by
 * whoever advances the order next.
 */
export type OrderFlags = {
  /** Cancelled after payment and not yet refunded. */
  refundDue: boolean;
  /** Paid, and what it bought is still to be taken out of the customer's cart. */
  cartClearDue: boolean;
  /** The provider changed the payment on its own: make the order agree with it (ADR 021). */
  paymentCheckDue: boolean;
  /** Refunded at the provider before it shipped: its units are still to go back on the shelf. */
  restockDue: boolean;
};

/** What the rules look at: an order with its lines, as stored. */
export type OrderState = OrderFacts & OrderFlags & { status: OrderStatus; statusReason: string | null };

/**
 * A decided change: the order as it is to be saved, and the events the change emits. The store saves
 * both in one transaction, only if nobody moved the order meanwhile.
 */
export type Change<O extends OrderState> = { order: O; events: readonly OrderEvent[] };

type Fields = Partial<OrderFlags> & { statusReason?: string | null };

function moveTo<O extends OrderState>(
  order: O,
  to: OrderStatus,
  fields: Fields,
  event?: (moved: O) => OrderEvent,
): Change<O> {
  const moved: O = { ...order, ...fields, status: move(order.status, to) };
  return { order: moved, events: event ? [event(moved)] : [] };
}

const setFlags = <O extends OrderState>(order: O, fields: Fields): Change<O> => ({
  order: { ...order, ...fields },
  events: [],
});

/** The units are held: the order waits for its payment. */
export const awaitPayment = <O extends OrderState>(order: O) => moveTo(order, "awaiting_payment", {});

/**
 * The checkout ended before any money moved (no stock; interrupted before the charge). The caller
 * hears why; nobody is e-mailed about an order that was never placed.
 */
export function abandonCheckout<O extends OrderState>(order: O, reason: string): Change<O> {
  if (!inFlight.includes(order.status)) throw orderErrors.invalidTransition(order.status, "cancelled");
  return moveTo(order, "cancelled", { statusReason: reason });
}

/** The charge was declined or failed; the units have gone back on the shelf. */
export const failPayment = <O extends OrderState>(order: O, reason: string) =>
  moveTo(order, "payment_failed", { statusReason: reason }, (o) => orderEvents.paymentFailed(o, reason));

/**
 * Charged and its stock sold: paid. What it bought has left the customer's cart already, or, when the
 * cart could not be reached (`cartCleared` false), is to leave it next.
 */
export const markPaid = <O extends OrderState>(order: O, { cartCleared }: { cartCleared: boolean }) =>
  moveTo(order, "paid", { statusReason: null, cartClearDue: !cartCleared }, orderEvents.paid);

/** Charged, but its units went to someone else while it was stuck: cancelled, the money to go back. */
export function cancelWithoutStock<O extends OrderState>(order: O, why: string): Change<O> {
  const reason = `${why}; your payment is refunded`;
  return moveTo(order, "cancelled", { statusReason: reason, refundDue: true }, (o) =>
    orderEvents.cancelled(o, reason),
  );
}

/** The customer cancels a paid order that has not shipped; the money is to go back. */
export function cancel<O extends OrderState>(order: O): Change<O> {
  if (inFlight.includes(order.status)) throw orderErrors.checkoutInProgress();
  checkCustomerCanCancel(order.status);
  const reason = "cancelled by the customer";
  return moveTo(order, "cancelled", { statusReason: reason, refundDue: true }, (o) =>
    orderEvents.cancelled(o, reason),
  );
}

/** The money of a cancelled order went back. */
export function refund<O extends OrderState>(order: O): Change<O> {
  const reason = order.statusReason ?? "cancelled";
  return moveTo(order, "refunded", { refundDue: false }, (o) => orderEvents.refunded(o, reason));
}

/** Shipped. */
export const fulfil = <O extends OrderState>(order: O) =>
  moveTo(order, "fulfilled", {}, orderEvents.fulfilled);

// What an order does when the provider changed its payment on its own (ADR 021; see payment-reconciliation.ts).

/** The payment agrees with the order already. */
export const paymentChecked = <O extends OrderState>(order: O) => setFlags(order, { paymentCheckDue: false });

/** A failed checkout's payment succeeded late and its units were still there: paid after all. */
export const acceptLatePayment = <O extends OrderState>(order: O) =>
  moveTo(order, "paid", { statusReason: null, cartClearDue: true, paymentCheckDue: false }, orderEvents.paid);

/** A failed checkout's payment succeeded late, but its units are gone: cancelled, the money to go back. */
export function refuseLatePayment<O extends OrderState>(order: O, why: string): Change<O> {
  const reason = `your payment arrived after the checkout had failed, and ${why}; your payment is refunded`;
  return moveTo(order, "cancelled", { statusReason: reason, paymentCheckDue: false, refundDue: true }, (o) =>
    orderEvents.cancelled(o, reason),
  );
}

/** Money arrived for an order cancelled before it was charged: it is to go back. */
export const returnLatePayment = <O extends OrderState>(order: O) =>
  setFlags(order, {
    paymentCheckDue: false,
    refundDue: true,
    statusReason: "a payment arrived after the order was cancelled; it is refunded",
  });

/** Refunded at the provider (its dashboard): refunded here too; unshipped units go back on the shelf. */
export function refundedAtProvider<O extends OrderState>(order: O, { restock }: { restock: boolean }) {
  const reason = "refunded at the payment provider";
  return moveTo(
    order,
    "refunded",
    { statusReason: reason, paymentCheckDue: false, restockDue: restock },
    (o) => orderEvents.refunded(o, reason),
  );
}

// The saga's bookkeeping once a piece of owed work is done.

/** What the order bought has left the customer's cart. */
export const cartCleared = <O extends OrderState>(order: O) => setFlags(order, { cartClearDue: false });

/** A refunded order's units are back on the shelf. */
export const restocked = <O extends OrderState>(order: O) => setFlags(order, { restockDue: false });
