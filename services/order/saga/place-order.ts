import { abandonCheckout, failPayment, restocked } from "../domain/order.ts";
import type { StoredOrder } from "../store.ts";
import type { SagaContext } from "./context.ts";
import { followPayment } from "./follow-payment.ts";
import { chargePayment, points as chargePoints, refundPayment } from "./steps/charge-payment.ts";
import { clearCart } from "./steps/clear-cart.ts";
import { points as confirmPoints, confirmStock } from "./steps/confirm-stock.ts";
import { createOrder, points as createPoints, type OrderDraft } from "./steps/create-order.ts";
import { releaseStock, points as reservePoints, reserveStock } from "./steps/reserve-stock.ts";

export type { FaultHook, SagaContext } from "./context.ts";

/** The gaps in the saga's steps where a crash is most interesting (tests and FASTR_KILL_AT), in step order. */
export const sagaPoints = [...createPoints, ...reservePoints, ...chargePoints, ...confirmPoints] as const;
export type SagaPoint = (typeof sagaPoints)[number];

const INTERRUPTED = "the checkout was interrupted before payment; nothing was charged";

/**
 * The checkout saga, orchestrated here and persisted at every step through the order's status, each
 * step in `steps/` beside its compensation: create the order (pending) → reserve stock
 * (awaiting_payment) → charge → confirm the stock (paid) → the cart loses what was bought.
 * Compensations: no stock → cancelled; declined or any failure of the charge → release stock →
 * payment_failed; paid but stock lost meanwhile (a reservation that expired during a crash) → refund →
 * cancelled. Afterwards the order follows what the provider reports about its payment (ADR 021). Every
 * step is idempotent per order, and every piece of work still owed is a status or a flag on the order,
 * so `advance` resumes an order from whatever state a crash left.
 */
export function placeOrderSaga(saga: SagaContext) {
  /** Charge, then confirm the stock (paid) or give it back (payment_failed). */
  async function takePayment(order: StoredOrder, { resumed }: { resumed: boolean }): Promise<StoredOrder> {
    // Resumed after a crash with nothing charged yet: charge only if the stock is still held for it.
    if (resumed && !(await saga.payment.find(order.id))) {
      if ((await saga.product.reservationState(order.id)) !== "held") {
        await releaseStock(saga, order);
        return saga.save(order, abandonCheckout(order, INTERRUPTED));
      }
    }
    const charged = await chargePayment(saga, order);
    if (charged.status !== "succeeded") {
      await releaseStock(saga, order);
      return saga.save(order, failPayment(order, charged.message));
    }
    return confirmStock(saga, order);
  }

  /** Runs the saga from the order's current state to a resting one, with nothing left to do. */
  async function advance(order: StoredOrder, { resumed = false } = {}): Promise<StoredOrder> {
    let current = order;
    if (current.status === "pending") current = await reserveStock(saga, current);
    if (current.status === "awaiting_payment") current = await takePayment(current, { resumed });
    if (current.paymentCheckDue) current = await followPayment(saga, current);
    if (current.status === "cancelled" && current.refundDue) {
      await releaseStock(saga, current);
      current = await refundPayment(saga, current);
    }
    if (current.restockDue) {
      // Refunded at the provider before it shipped: its units go back on the shelf.
      await releaseStock(saga, current);
      current = await saga.save(current, restocked(current));
    }
    if (current.cartClearDue) current = await clearCart(saga, current);
    return current;
  }

  return {
    /** Writes the order and runs it to rest; null when a concurrent request with its key wrote it first. */
    async start(draft: OrderDraft): Promise<StoredOrder | null> {
      const created = await createOrder(saga, draft);
      return created && advance(created);
    },
    advance,
  };
}
export type PlaceOrderSaga = ReturnType<typeof placeOrderSaga>;
