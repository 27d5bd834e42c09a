import type { Order } from "../../../contracts/order.ts";
import type { Database } from "../../../platform/db/port.ts";
import { orderErrors } from "../domain/order.errors.ts";
import { cancel } from "../domain/order.ts";
import type { PlaceOrderSaga } from "../saga/place-order.ts";
import { loadOrder, type OrderStore, toOrder } from "../store.ts";

/** `order.cancel`: the customer cancels their own paid order; the saga refunds it at once. */
export function cancelCommand({
  db,
  store,
  saga,
}: {
  db: Database;
  store: OrderStore;
  saga: PlaceOrderSaga;
}) {
  return async function cancelOrder(userId: string, orderId: string): Promise<Order> {
    const order = await loadOrder(db.primary, orderId);
    if (!order || order.userId !== userId) throw orderErrors.notFound();
    const cancelled = await store.save(order, cancel(order));
    return toOrder(await saga.advance(cancelled));
  };
}
