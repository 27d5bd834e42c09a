import {
  acceptLatePayment,
  paymentChecked,
  refundedAtProvider,
  refuseLatePayment,
  returnLatePayment,
} from "../domain/order.ts";
import { reconcile } from "../domain/payment-reconciliation.ts";
import type { StoredOrder } from "../store.ts";
import type { SagaContext } from "./context.ts";
import { isStockLost } from "./steps/confirm-stock.ts";

/** The provider changed this order's payment on its own: make the order agree with it (ADR 021). */
export async function followPayment(saga: SagaContext, order: StoredOrder): Promise<StoredOrder> {
  const payment = await saga.payment.find(order.id);
  const decision = reconcile(order, payment?.status ?? null);
  switch (decision.action) {
    case "wait":
      return order;
    case "none":
      return saga.save(order, paymentChecked(order));
    case "refund":
      return saga.save(order, returnLatePayment(order));
    case "take-stock-and-mark-paid": {
      try {
        // Re-takes units the failed checkout gave back, if they are still on the shelf.
        await saga.product.commitReservation(order.id);
      } catch (error) {
        if (!isStockLost(error)) throw error;
        return saga.save(order, refuseLatePayment(order, error.message));
      }
      const paid = await saga.save(order, acceptLatePayment(order));
      await saga.faults("after-paid");
      return paid;
    }
    case "mark-refunded":
      return saga.save(order, refundedAtProvider(order, { restock: decision.restock }));
  }
}
