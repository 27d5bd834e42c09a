import { DomainError } from "../../../../contracts/errors.ts";
import { cancelWithoutStock, markPaid } from "../../domain/order.ts";
import type { StoredOrder } from "../../store.ts";
import type { SagaContext } from "../context.ts";
import { takePurchaseFromCart } from "./clear-cart.ts";

/**
 * Where a crash is simulated in this step: once the units are sold, once the cart lost what was
 * bought, and once the order is paid.
 */
export const points = ["after-confirm-stock", "after-cart-cleared", "after-paid"] as const;

/** The product service could not sell the order's units: they are gone, or were never held. */
export const isStockLost = (error: unknown): error is DomainError =>
  error instanceof DomainError &&
  (error.code === "PRODUCT.OUT_OF_STOCK" || error.code === "PRODUCT.NO_RESERVATION");

/**
 * Sells the held units of a charged order (re-taking them if the reservation expired meanwhile), takes
 * them out of the customer's cart, and the order is paid. If they went to someone else while it was
 * stuck, it ends cancelled and its money is to go back (the saga refunds it next). A crash before
 * `paid` leaves the order awaiting payment: recovery repeats every step, each idempotent per order.
 */
export async function confirmStock(saga: SagaContext, order: StoredOrder): Promise<StoredOrder> {
  try {
    await saga.product.commitReservation(order.id);
  } catch (error) {
    if (!isStockLost(error)) throw error;
    return saga.save(order, cancelWithoutStock(order, error.message));
  }
  await saga.faults("after-confirm-stock");
  const cartCleared = await takePurchaseFromCart(saga, order);
  await saga.faults("after-cart-cleared");
  const paid = await saga.save(order, markPaid(order, { cartCleared }));
  await saga.faults("after-paid");
  return paid;
}
