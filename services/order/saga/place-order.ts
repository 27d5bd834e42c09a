import type { CartApi } from "../../../contracts/cart.ts";
import { DomainError } from "../../../contracts/errors.ts";
import type { PaymentApi } from "../../../contracts/payment.ts";
import type { ProductApi } from "../../../contracts/product.ts";
import type { Clock } from "../../../platform/clock.ts";
import type { Database } from "../../../platform/db/port.ts";
import type { Logger } from "../../../platform/log.ts";
import { orderEvent as buildEvent } from "../events.ts";
import { type LineRow, linesOf, type OrderRow, setStatus } from "../store.ts";

/** The gaps between saga steps, where a crash is most interesting. */
export const sagaPoints = [
  "after-create",
  "after-reserve",
  "after-charge",
  "after-confirm-stock",
  "after-release",
] as const;
export type SagaPoint = (typeof sagaPoints)[number];
/** Called at each gap; tests make it throw (or kill the process) to simulate a crash there. */
export type FaultHook = (point: SagaPoint) => void | Promise<void>;

export type SagaDeps = {
  db: Database;
  clock: Clock;
  log: Logger;
  product: ProductApi;
  payment: PaymentApi;
  cart: CartApi;
  faults: FaultHook;
  reservationTtlMs: number;
  eventsCommitted: () => void;
};

const isOutOfStock = (error: unknown) =>
  error instanceof DomainError && error.code === "PRODUCT.OUT_OF_STOCK";

/**
 * The checkout saga, orchestrated here and persisted at every step through the order's status:
 * pending (order written) → reserve stock → awaiting_payment → charge → confirm stock → paid;
 * compensations: no stock → cancelled; declined → release stock → payment_failed;
 * paid but stock lost meanwhile (a reservation that expired during a crash) → refund → cancelled.
 * Every step is idempotent per order, so `advance` resumes an order from whatever state a crash left.
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
      if (!isOutOfStock(error)) throw error;
      await moved(db, order, "cancelled", { reason: (error as DomainError).message });
      throw error;
    }
    await deps.faults("after-reserve");
    return moved(db, order, "awaiting_payment");
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
    const result = await deps.payment.charge({
      orderId: order.id,
      amount: { amount: order.total, currency: order.currency as "EUR" },
      paymentMethodId: order.paymentMethodId,
      customer: customer(order),
    });
    await deps.faults("after-charge");

    if (result.status === "declined") {
      await deps.product.releaseReservation(order.id);
      await deps.faults("after-release");
      return moved(db, order, "payment_failed", {
        reason: result.message,
        events: [orderEvent(order, lines, "order.payment_failed@1", { reason: result.message })],
      });
    }

    try {
      await deps.product.commitReservation(order.id);
    } catch (error) {
      if (!isOutOfStock(error)) throw error;
      // Paid, but the units went to someone else while this order was stuck: give the money back.
      const reason = `${(error as DomainError).message}; your payment is refunded`;
      const cancelled = await moved(db, order, "cancelled", {
        reason,
        refundDue: true,
        events: [orderEvent(order, lines, "order.cancelled@1", { reason })],
      });
      return refundCancelled(cancelled);
    }
    await deps.faults("after-confirm-stock");
    const paid = await moved(db, order, "paid", { events: [orderEvent(order, lines, "order.paid@1")] });
    await deps.cart.clear({ userId: order.userId }).catch((error) => {
      deps.log.warn("could not clear the cart after an order", { orderId: order.id, error });
    });
    return paid;
  }

  /** A cancelled order that was paid: stock back on the shelf, money back to the customer. */
  async function refundCancelled(order: OrderRow): Promise<OrderRow> {
    await deps.product.releaseReservation(order.id);
    await deps.payment.refund({
      orderId: order.id,
      reason: order.statusReason ?? "cancelled",
      customer: customer(order),
    });
    return moved(db, order, "refunded", { refundDue: false });
  }

  return {
    /** Runs the saga from the order's current state to a resting one. */
    async advance(
      order: OrderRow,
      options: { resumed?: boolean; lines?: readonly LineRow[] } = {},
    ): Promise<OrderRow> {
      const lines = options.lines ?? (await linesOf(db.primary, order.id));
      let current = order;
      if (current.status === "pending") current = await reserveStock(current, lines);
      if (current.status === "awaiting_payment")
        current = await takePayment(current, lines, { resumed: options.resumed ?? false });
      if (current.status === "cancelled" && current.refundDue) current = await refundCancelled(current);
      return current;
    },
    refundCancelled,
  };
}
export type PlaceOrderSaga = ReturnType<typeof placeOrderSaga>;
