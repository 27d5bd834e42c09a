import { cartCleared } from "../../domain/order.ts";
import type { StoredOrder } from "../../store.ts";
import type { SagaContext } from "../context.ts";

/** Takes what a paid order bought out of the customer's cart, once, and nothing added since. */
export async function clearCart(saga: SagaContext, order: StoredOrder): Promise<StoredOrder> {
  await saga.cart.removePurchased(order.userId, {
    orderId: order.id,
    lines: order.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity })),
  });
  return saga.save(order, cartCleared(order));
}
