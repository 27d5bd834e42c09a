import { and, eq } from "drizzle-orm";
import type { Cart } from "../../../contracts/cart.ts";
import type { CheckoutInput, Customer, Order, ShippingAddress } from "../../../contracts/order.ts";
import type { Clock } from "../../../platform/clock.ts";
import type { Database } from "../../../platform/db/port.ts";
import { newId } from "../../../platform/ids.ts";
import { sha256Hex } from "../../../platform/sha256.ts";
import { orders } from "../db/schema.ts";
import { checkOrderable, checkPlaced } from "../domain/checkout.ts";
import { orderErrors } from "../domain/order.errors.ts";
import { inFlight } from "../domain/order.ts";
import type { OrderDeps } from "../index.ts";
import type { PlaceOrderSaga } from "../saga/place-order.ts";
import type { OrderDraft } from "../saga/steps/create-order.ts";
import { findOrder, type OrderRow, type StoredOrder, toOrder, variantSold, withLines } from "../store.ts";

/** The same checkout request, whatever the key order of its JSON. */
function requestHash({ idempotencyKey: _, ...input }: CheckoutInput) {
  const canonical = JSON.stringify(input, (_key, value) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return sha256Hex(canonical);
}

/** The order a priced cart becomes, not yet written. */
function draftOrder(
  {
    customer,
    input,
    hash,
    address,
    cart,
  }: {
    customer: Customer;
    input: CheckoutInput;
    hash: string;
    address: ShippingAddress;
    cart: Cart;
  },
  now: Date,
): OrderDraft {
  const id = newId();
  return {
    order: {
      id,
      userId: customer.userId,
      email: customer.email,
      customerName: customer.name,
      idempotencyKey: input.idempotencyKey,
      requestHash: hash,
      status: "pending",
      currency: cart.total.currency,
      subtotal: cart.subtotal.amount,
      shipping: cart.shipping.amount,
      tax: cart.tax.amount,
      total: cart.total.amount,
      shippingAddress: address,
      shippingOption: {
        id: cart.shippingOptionId,
        name: cart.shippingOptions.find((o) => o.id === cart.shippingOptionId)!.name,
      },
      paymentMethodId: input.paymentMethodId,
      createdAt: now,
      updatedAt: now,
    },
    lines: cart.lines.map((l, position) => ({
      orderId: id,
      position,
      ...variantSold(l),
      unitPrice: l.unitPrice.amount,
      lineTotal: l.lineTotal.amount,
    })),
  };
}

/**
 * `order.checkout`: buys what is in the customer's cart, once per idempotency key. A replayed key
 * answers with the same order once its saga is at rest (or the error that ended it); the same key with
 * a different request is refused.
 */
export function checkoutCommand({
  db,
  clock,
  deps,
  saga,
}: {
  db: Database;
  clock: Clock;
  deps: Pick<OrderDeps, "cart" | "payment" | "user">;
  saga: PlaceOrderSaga;
}) {
  /** What the checkout caller gets for an order at rest: the order, or the error that ended it. */
  const answer = (order: StoredOrder): Order => {
    checkPlaced(order);
    return toOrder(order);
  };

  const findByKey = async (userId: string, key: string) => {
    const [row] = await db.primary
      .select()
      .from(orders)
      .where(and(eq(orders.userId, userId), eq(orders.idempotencyKey, key)));
    return row ?? null;
  };

  /** A replayed key: same request → the same order once its saga is at rest; different request → refused. */
  async function replay(existing: OrderRow, hash: string): Promise<Order> {
    if (existing.requestHash !== hash) throw orderErrors.idempotencyKeyReused();
    let row = existing;
    for (let waited = 0; inFlight.includes(row.status) && waited < 15_000; waited += 25) {
      await Bun.sleep(25);
      row = (await findOrder(db.primary, row.id))!;
    }
    checkPlaced(row);
    return toOrder((await withLines(db.primary, [row]))[0]!);
  }

  async function shippingAddressFor(userId: string, input: CheckoutInput): Promise<ShippingAddress> {
    if (input.shippingAddress) return input.shippingAddress;
    const {
      id: _,
      label: __,
      isDefault: ___,
      ...address
    } = await deps.user.getAddress(userId, input.addressId!);
    return Object.fromEntries(Object.entries(address).filter(([, v]) => v !== null)) as ShippingAddress;
  }

  /** The order to write for this request, read from the address book and the cart. */
  async function draft(customer: Customer, input: CheckoutInput, hash: string): Promise<OrderDraft> {
    // Before anything is written or held: a method that cannot pay must not hold stock (ADR 020).
    await deps.payment.checkMethod(input.paymentMethodId);
    const address = await shippingAddressFor(customer.userId, input);
    const cart = await deps.cart.get(
      { userId: customer.userId },
      {
        country: address.country,
        ...(input.shippingOptionId && { shippingOptionId: input.shippingOptionId }),
        // What the order charges is read from the product's database, never from a cache (ADR 110).
        fresh: true,
      },
    );
    checkOrderable(cart);
    return draftOrder({ customer, input, hash, address, cart }, clock.now());
  }

  /**
   * `replayed` is told when the answer is the order of an earlier request with the same key. The key
   * is claimed by the order's insert (ADR 145): a first request reads nothing more for it. A replay
   * finds it there, or, when its cart can no longer become an order (emptied by the first checkout,
   * say), is looked up once the draft is refused.
   */
  return async function checkout(
    customer: Customer,
    input: CheckoutInput,
    replayed: () => void = () => {},
  ): Promise<Order> {
    const hash = requestHash(input);
    const answerReplay = async (existing: OrderRow) => {
      replayed();
      return replay(existing, hash);
    };
    let order: OrderDraft;
    try {
      order = await draft(customer, input, hash);
    } catch (error) {
      // Refused before anything was written: a replayed key still answers with its order.
      const existing = await findByKey(customer.userId, input.idempotencyKey).catch(() => null);
      if (existing) return answerReplay(existing);
      throw error;
    }
    const placed = await saga.start(order);
    // Null: the key is taken (a replay, or the same key twice at once and the other request won).
    if (placed) return answer(placed);
    return answerReplay((await findByKey(customer.userId, input.idempotencyKey))!);
  };
}
