import { cartCleared } from "../../domain/order.ts";
import type { StoredOrder } from "../../store.ts";
import type { SagaContext } from "../context.ts";

const purchase = (order: StoredOrder) => ({
  orderId: order.id,
  lines: order.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity })),
});

/**
 * Takes what the order bought out of the customer's cart (once per order, and nothing added since),
 * before the order is saved paid. False when the cart could not be reached: the order is then saved
 * owing it (`cartClearDue`), and `clearCart` finishes it later (ADR 145).
 */
export async function takePurchaseFromCart(saga: SagaContext, order: StoredOrder): Promise<boolean> {
  try {
    await saga.cart.removePurchased(order.userId, purchase(order));
    return true;
  } catch (error) {
    saga.log.warn("could not take a paid order's purchase out of the cart yet", { orderId: order.id, error });
    return false;
  }
}

/**
 * Finishes the clean-up a paid order still owes its customer's cart. While the cart stays out of
 * reach the order keeps owing it, and recovery tries again later: a paid order is answered as paid.
 */
export async function clearCart(saga: SagaContext, order: StoredOrder): Promise<StoredOrder> {
  return (await takePurchaseFromCart(saga, order)) ? saga.save(order, cartCleared(order)) : order;
}
