import { DomainError } from "../../../contracts/errors.ts";
import { money } from "../../../contracts/money.ts";
import type { ChargeResult } from "../../../contracts/payment.ts";
import type { Clock } from "../../../platform/clock.ts";
import type { Database } from "../../../platform/db/port.ts";
import type { Logger } from "../../../platform/log.ts";
import { reconcile } from "../domain/payment-reconciliation.ts";
import { orderEvent as buildEvent } from "../events.ts";
import type { OrderDeps } from "../index.ts";
import { type LineRow, linesOf, type OrderChanges, type OrderRow, setFlags, setStatus } from "../store.ts";

/** The gaps between saga steps, where a crash is most interesting. */
export const sagaPoints = [
  "after-create",
  "after-reserve",
  "after-charge",
  "after-confirm-stock",
  "after-paid",
  "after-release",
] as const;
export type SagaPoint = (typeof sagaPoints)[number];
/** Called at each gap; tests make it throw (or kill the process) to simulate a crash there. */
export type FaultHook = (point: SagaPoint) => void | Promise<void>;

export type SagaDeps = {
  db: Database;
  clock: Clock;
  log: Logger;
  product: OrderDeps["product"];
  payment: OrderDeps["payment"];
  cart: OrderDeps["cart"];
  faults: FaultHook;
  reservationTtlMs: number;
  eventsCommitted: () => void;
};

/** The product service could not sell the order's units: they are gone, or were never held. */
const isStockLost = (error: unknown) =>
  error instanceof DomainError &&
  (error.code === "PRODUCT.OUT_OF_STOCK" || error.code === "PRODUCT.NO_RESERVATION");

/** What the customer is told when the provider failed instead of answering. */
const PROVIDER_FAILED =
  "the payment could not be completed because the payment provider did not answer; nothing is held for this order. If your card was charged anyway, the order completes or is refunded automatically";

/**
 * The checkout saga, orchestrated here and persisted at every step through the order's status:
 * pending (order written) → reserve stock → awaiting_payment → charge → confirm stock → paid → the
 * cart loses what was bought; compensations: no stock → cancelled; declined or any failure of the
 * charge → release stock → payment_failed; paid but stock lost meanwhile (a reservation that expired
 * during a crash) → refund → cancelled. Afterwards the order follows what the provider reports about
 * its payment (ADR 021). Every step is idempotent per order, and every piece of work still owed is a
 * status or a flag on the order, so `advance` resumes an order from whatever state a crash left.
 */
export function placeOrderSaga(deps: SagaDeps) {
  const { db, clock } = deps;

  const orderEvent = (
    order: OrderRow,
    lines: readonly LineRow[],
    name: Parameters<typeof buildEvent>[3],
    extra = {},
  ) => buildEvent(clock, order, lines, name, extra);

  const moved = async (...args: Parameters<typeof setStatus>) => {
    const row = await setStatus(...args);
    if (args[3]?.events?.length) deps.eventsCommitted();
    return row;
  };

  const customer = (order: OrderRow) => ({ userId: order.userId, email: order.email });

  /** Reserve stock: the order now holds its units, or ends cancelled if they are gone. */
  async function reserveStock(order: OrderRow, lines: readonly LineRow[]): Promise<OrderRow> {
    try {
      await deps.product.reserve(
        order.id,
        lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity })),
        deps.reservationTtlMs,
      );
    } catch (error) {
      if (!(error instanceof DomainError && error.code === "PRODUCT.OUT_OF_STOCK")) throw error;
      await moved(db, order, "cancelled", { reason: error.message });
      throw error;
    }
    await deps.faults("after-reserve");
    return moved(db, order, "awaiting_payment");
  }

  /** The units go back on the shelf and the order ends payment_failed, saying why. */
  async function failPayment(order: OrderRow, lines: readonly LineRow[], reason: string) {
    await deps.product.releaseReservation(order.id);
    await deps.faults("after-release");
    return moved(db, order, "payment_failed", {
      reason,
      events: [orderEvent(order, lines, "order.payment_failed@1", { reason })],
    });
  }

  /** Marks the order paid; its cart is cleared next (a flag, so a crash in between is finished later). */
  async function markPaid(order: OrderRow, lines: readonly LineRow[], changes: OrderChanges = {}) {
    const paid = await moved(db, order, "paid", {
      ...changes,
      reason: null,
      cartClearDue: true,
      events: [orderEvent(order, lines, "order.paid@1")],
    });
    await deps.faults("after-paid");
    return paid;
  }

  /** Charge, then confirm the stock (paid) or give it back (payment_failed). */
  async function takePayment(
    order: OrderRow,
    lines: readonly LineRow[],
    { resumed }: { resumed: boolean },
  ): Promise<OrderRow> {
    if (resumed && !(await deps.payment.find(order.id))) {
      // Nothing was charged yet; only charge if the stock is still held for this order.
      if ((await deps.product.reservationState(order.id)) !== "held") {
        await deps.product.releaseReservation(order.id);
        return moved(db, order, "cancelled", {
          reason: "the checkout was interrupted before payment; nothing was charged",
        });
      }
    }
    let result: ChargeResult;
    try {
      result = await deps.payment.charge({
        orderId: order.id,
        amount: money(order.total, order.currency),
        paymentMethodId: order.paymentMethodId,
        customer: customer(order),
      });
    } catch (error) {
      // Whatever went wrong (a refused request, a timeout, a bug), the order must not sit on its
      // stock until the reservation expires. A charge that went through anyway is reported by the
      // provider later and settled by `reconcileWithPayment`.
      if (!(error instanceof DomainError)) {
        deps.log.error("the payment provider failed during a checkout", {
          orderId: order.id,
          error,
        });
      }
      return failPayment(order, lines, error instanceof DomainError ? error.message : PROVIDER_FAILED);
    }
    await deps.faults("after-charge");

    if (result.status === "declined") return failPayment(order, lines, result.message);

    try {
      await deps.product.commitReservation(order.id);
    } catch (error) {
      if (!isStockLost(error)) throw error;
      // Paid, but the units went to someone else while this order was stuck: give the money back.
      const reason = `${(error as DomainError).message}; your payment is refunded`;
      return moved(db, order, "cancelled", {
        reason,
        refundDue: true,
        events: [orderEvent(order, lines, "order.cancelled@1", { reason })],
      });
    }
    await deps.faults("after-confirm-stock");
    return markPaid(order, lines);
  }

  /** A cancelled order that was paid: stock back on the shelf, money back to the customer. */
  async function refundCancelled(order: OrderRow, lines: readonly LineRow[]): Promise<OrderRow> {
    await deps.product.releaseReservation(order.id);
    await deps.payment.refund({
      orderId: order.id,
      reason: order.statusReason ?? "cancelled",
      customer: customer(order),
    });
    const reason = order.statusReason ?? "cancelled";
    return moved(db, order, "refunded", {
      refundDue: false,
      events: [orderEvent(order, lines, "order.refunded@1", { reason })],
    });
  }

  /** The provider changed this order's payment on its own: make the order agree with it (ADR 021). */
  async function reconcileWithPayment(order: OrderRow, lines: readonly LineRow[]): Promise<OrderRow> {
    const payment = await deps.payment.find(order.id);
    const decision = reconcile(order, payment?.status ?? null);
    switch (decision.action) {
      case "wait":
        return order;
      case "none":
        return setFlags(db, order, { paymentCheckDue: false });
      case "refund":
        return setFlags(db, order, {
          paymentCheckDue: false,
          refundDue: true,
          reason: "a payment arrived after the order was cancelled; it is refunded",
        });
      case "take-stock-and-mark-paid":
        try {
          // Re-takes units the failed checkout gave back, if they are still on the shelf.
          await deps.product.commitReservation(order.id);
        } catch (error) {
          if (!isStockLost(error)) throw error;
          const reason = `your payment arrived after the checkout had failed, and ${(error as DomainError).message}; your payment is refunded`;
          return moved(db, order, "cancelled", {
            reason,
            paymentCheckDue: false,
            refundDue: true,
            events: [orderEvent(order, lines, "order.cancelled@1", { reason })],
          });
        }
        return markPaid(order, lines, { paymentCheckDue: false });
      case "mark-refunded": {
        const reason = "refunded at the payment provider";
        return moved(db, order, "refunded", {
          reason,
          paymentCheckDue: false,
          restockDue: decision.restock,
          events: [orderEvent(order, lines, "order.refunded@1", { reason })],
        });
      }
    }
  }

  /** A refund made at the provider before the order shipped: its units go back on the shelf. */
  async function restock(order: OrderRow): Promise<OrderRow> {
    await deps.product.releaseReservation(order.id);
    return setFlags(db, order, { restockDue: false });
  }

  /** Takes what the order bought out of the customer's cart, once, and nothing added since. */
  async function clearCart(order: OrderRow, lines: readonly LineRow[]): Promise<OrderRow> {
    await deps.cart.removePurchased(order.userId, {
      orderId: order.id,
      lines: lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity })),
    });
    return setFlags(db, order, { cartClearDue: false });
  }

  return {
    /** Runs the saga from the order's current state to a resting one, with nothing left to do. */
    async advance(
      order: OrderRow,
      options: { resumed?: boolean; lines?: readonly LineRow[] } = {},
    ): Promise<OrderRow> {
      const lines = options.lines ?? (await linesOf(db.primary, order.id));
      let current = order;
      if (current.status === "pending") current = await reserveStock(current, lines);
      if (current.status === "awaiting_payment")
        current = await takePayment(current, lines, { resumed: options.resumed ?? false });
      if (current.paymentCheckDue) current = await reconcileWithPayment(current, lines);
      if (current.status === "cancelled" && current.refundDue)
        current = await refundCancelled(current, lines);
      if (current.restockDue) current = await restock(current);
      if (current.cartClearDue) current = await clearCart(current, lines);
      return current;
    },
  };
}
export type PlaceOrderSaga = ReturnType<typeof placeOrderSaga>;
