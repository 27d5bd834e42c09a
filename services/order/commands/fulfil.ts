import type { Order } from "../../../contracts/order.ts";
import type { Database } from "../../../platform/db/port.ts";
import { orderErrors } from "../domain/order.errors.ts";
import { fulfil } from "../domain/order.ts";
import { loadOrder, type OrderStore, toOrder } from "../store.ts";

/** `order.fulfil` (staff): a paid order has shipped. */
export function fulfilCommand({ db, store }: { db: Database; store: OrderStore }) {
  return async function fulfilOrder(orderId: string): Promise<Order> {
    const order = await loadOrder(db.primary, orderId);
    if (!order) throw orderErrors.notFound();
    return toOrder(await store.save(order, fulfil(order)));
  };
}
