import { INT_MAX } from "../../../contracts/common.ts";
import type { Money } from "../../../contracts/money.ts";
import type { OrderStatus } from "../../../contracts/order.ts";
import { variantDisplayName } from "../../../contracts/product.ts";
import { orderErrors } from "./order.errors.ts";

/** What the checkout reads from the cart before it writes anything. */
export type CartToOrder = {
  lines: readonly {
    variantId: string;
    title: string;
    variantTitle: string;
    quantity: number;
    /** In stock now, as the cart read it. */
    available: number;
  }[];
  total: Money;
};

/**
 * Refuses a cart that cannot become an order, before anything is written or held: an empty one, one
 * that asks for more than is in stock as it reads now (the reservation decides for real), or one whose
 * total does not fit an order (amounts are stored as integers; every line total and the tax are at
 * most the total).
 */
export function checkOrderable(cart: CartToOrder) {
  if (cart.lines.length === 0) throw orderErrors.emptyCart();
  const short = cart.lines.find((l) => l.quantity > l.available);
  if (short) throw orderErrors.outOfStock(variantDisplayName(short), short.available, short.variantId);
  if (cart.total.amount > INT_MAX) throw orderErrors.totalTooLarge();
}

/**
 * What a checkout answers for an order its saga brought to rest: the order, unless the checkout
 * failed, in which case the error that ended it. A checkout ends `cancelled` only before any money
 * moved (paid-then-cancelled ends `refunded`).
 */
export function checkPlaced(order: { id: string; status: OrderStatus; statusReason: string | null }) {
  if (order.status === "payment_failed") throw orderErrors.paymentDeclined(order.id, order.statusReason);
  if (order.status === "cancelled") throw orderErrors.notPlaced(order.id, order.statusReason);
}
