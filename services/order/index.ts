import { sha256 } from "@oslojs/crypto/sha2";
import { encodeHexLowerCase } from "@oslojs/encoding";
import { and, desc, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { CartApi } from "../../contracts/cart.ts";
import { INT_MAX, wholeNumber } from "../../contracts/common.ts";
import { DomainError } from "../../contracts/errors.ts";
import type { CheckoutInput, Customer, Order, OrderApi, ShippingAddress } from "../../contracts/order.ts";
import type { PaymentApi } from "../../contracts/payment.ts";
import { type ProductApi, variantDisplayName } from "../../contracts/product.ts";
import type { UserApi } from "../../contracts/user.ts";
import { cursorCodec } from "../../platform/cursor.ts";
import { isUniqueViolation } from "../../platform/db/unique-violation.ts";
import { newId } from "../../platform/ids.ts";
import { migrationsOf, type ServicePorts } from "../../platform/service.ts";
import { orderLines, orders, outbox } from "./db/schema.ts";
import { checkCustomerCanCancel, inFlight } from "./domain/order.ts";
import { orderEvent } from "./events.ts";
import { CONSUMER, logPoison, paymentEventHandler } from "./payment-events.ts";
import { type FaultHook, placeOrderSaga } from "./saga/place-order.ts";
import {
  findOrder,
  type LineRow,
  leaseFromNow,
  linesOf,
  type OrderRow,
  setStatus,
  toOrder,
  withLines,
} from "./store.ts";

export const orderModule = migrationsOf("order", import.meta.dir);
export { inbox as orderInbox, outbox as orderOutbox } from "./db/schema.ts";

/** The calls the order service makes on others; in the cluster each one crosses a process. */
export type OrderDeps = {
  cart: Pick<CartApi, "get" | "removePurchased">;
  product: Pick<ProductApi, "reserve" | "commitReservation" | "releaseReservation" | "reservationState">;
  payment: Pick<PaymentApi, "checkMethod" | "charge" | "refund" | "find">;
  user: Pick<UserApi, "getAddress">;
  faults?: FaultHook;
};
export type OrderOptions = { reservationTtlMs: number };

const orderNotFound = () => new DomainError("NOT_FOUND", "ORDER.NOT_FOUND", "order not found");

/** The same checkout request, whatever the key order of its JSON. */
function requestHash({ idempotencyKey: _, ...input }: CheckoutInput) {
  const canonical = JSON.stringify(input, (_key, value) =>
    value && typeof value === "object" && !Array.isArray(value)
      ? Object.fromEntries(Object.entries(value).sort(([a], [b]) => a.localeCompare(b)))
      : value,
  );
  return encodeHexLowerCase(sha256(new TextEncoder().encode(canonical)));
}

/** Keyset cursor: the number of the last order on the page (newest first). */
const cursors = cursorCodec(
  wholeNumber(1),
  () => new DomainError("BAD_REQUEST", "ORDER.BAD_CURSOR", "not a cursor this API issued"),
);

export function createOrderService(ports: ServicePorts, deps: OrderDeps, options: OrderOptions) {
  const { db, clock, log } = ports;
  const saga = placeOrderSaga({
    db,
    clock,
    log,
    product: deps.product,
    payment: deps.payment,
    cart: deps.cart,
    faults: deps.faults ?? (() => {}),
    reservationTtlMs: options.reservationTtlMs,
    eventsCommitted: () => ports.eventsCommitted(outbox),
  });

  const view = async (row: OrderRow) => (await withLines(db.primary, [row]))[0]!;

  /** What the checkout caller gets for an order at rest: the order, or the error that ended it. */
  async function outcome(row: OrderRow, lines?: readonly LineRow[]): Promise<Order> {
    if (row.status === "payment_failed") {
      throw new DomainError(
        "PAYMENT_REQUIRED",
        "ORDER.PAYMENT_DECLINED",
        row.statusReason ?? "the payment was declined",
        {
          orderId: row.id,
        },
      );
    }
    // A checkout ends `cancelled` only before any money moved (paid-then-cancelled ends `refunded`).
    if (row.status === "cancelled") {
      throw new DomainError(
        "CONFLICT",
        "ORDER.NOT_PLACED",
        row.statusReason ?? "the order could not be placed",
        {
          orderId: row.id,
        },
      );
    }
    return lines ? toOrder(row, lines) : view(row);
  }

  /** A replayed key: same request → the same order once its saga is at rest; different request → refused. */
  async function replay(existing: OrderRow, hash: string): Promise<Order> {
    if (existing.requestHash !== hash) {
      throw new DomainError(
        "CONFLICT",
        "ORDER.IDEMPOTENCY_KEY_REUSED",
        "this idempotency key was already used for a different checkout; use a new key for a new purchase",
      );
    }
    let row = existing;
    for (let waited = 0; inFlight.includes(row.status) && waited < 15_000; waited += 25) {
      await Bun.sleep(25);
      row = (await findOrder(db.primary, row.id))!;
    }
    return outcome(row);
  }

  const findByKey = async (userId: string, key: string) => {
    const [row] = await db.primary
      .select()
      .from(orders)
      .where(and(eq(orders.userId, userId), eq(orders.idempotencyKey, key)));
    return row ?? null;
  };

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

  async function checkout(customer: Customer, input: CheckoutInput): Promise<Order> {
    const hash = requestHash(input);
    const existing = await findByKey(customer.userId, input.idempotencyKey);
    if (existing) return replay(existing, hash);
    // Before anything is written or held: a method that cannot pay must not hold stock (ADR 020).
    await deps.payment.checkMethod(input.paymentMethodId);

    const address = await shippingAddressFor(customer.userId, input);
    const cart = await deps.cart.get(
      { userId: customer.userId },
      {
        country: address.country,
        ...(input.shippingOptionId && { shippingOptionId: input.shippingOptionId }),
      },
    );
    if (cart.lines.length === 0)
      throw new DomainError("BAD_REQUEST", "ORDER.EMPTY_CART", "your cart is empty");
    const short = cart.lines.find((l) => l.quantity > l.available);
    if (short) {
      const name = variantDisplayName(short);
      throw new DomainError(
        "CONFLICT",
        "ORDER.OUT_OF_STOCK",
        short.available === 0 ? `${name} is sold out` : `${name} has only ${short.available} left`,
        { variantId: short.variantId },
      );
    }
    // Amounts are stored as integers; every line total and the tax are at most the total.
    if (cart.total.amount > INT_MAX)
      throw new DomainError(
        "BAD_REQUEST",
        "ORDER.TOTAL_TOO_LARGE",
        `one order can total at most ${INT_MAX} minor units; split the cart into smaller orders`,
      );

    const id = newId();
    const now = clock.now();
    const lines: LineRow[] = cart.lines.map((l, position) => ({
      orderId: id,
      position,
      variantId: l.variantId,
      productId: l.productId,
      title: l.title,
      variantTitle: l.variantTitle,
      sku: l.sku,
      quantity: l.quantity,
      unitPrice: l.unitPrice.amount,
      lineTotal: l.lineTotal.amount,
    }));
    let row: OrderRow;
    try {
      row = await db.primary.transaction(async (tx) => {
        const [created] = await tx
          .insert(orders)
          .values({
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
            sagaLeaseUntil: leaseFromNow(),
            createdAt: now,
            updatedAt: now,
          })
          .returning();
        await tx.insert(orderLines).values(lines);
        return created!;
      });
    } catch (error) {
      if (!isUniqueViolation(error)) throw error;
      // The same key arrived twice at once and the other request won the insert.
      return replay((await findByKey(customer.userId, input.idempotencyKey))!, hash);
    }
    await deps.faults?.("after-create");
    return outcome(await saga.advance(row, { lines }), lines);
  }

  async function ownOrder(userId: string, orderId: string) {
    const row = await findOrder(db.primary, orderId);
    if (!row || row.userId !== userId) throw orderNotFound();
    return row;
  }

  /** Listings read the replica: the caller's own writes are there already (read-your-writes by LSN). */
  async function page(where: ReturnType<typeof and>, input: { cursor?: string | undefined; limit: number }) {
    const before = input.cursor ? cursors.decode(input.cursor) : undefined;
    const reader = db.replica;
    const rows = await reader
      .select()
      .from(orders)
      .where(and(where, before === undefined ? undefined : lt(orders.number, before)))
      .orderBy(desc(orders.number))
      .limit(input.limit + 1);
    const items = await withLines(reader, rows.slice(0, input.limit));
    return { items, nextCursor: rows.length > input.limit ? cursors.encode(items.at(-1)!.number) : null };
  }

  const api: OrderApi = {
    checkout,
    get: async (userId, orderId) => {
      const reader = db.replica;
      const row = await findOrder(reader, orderId);
      if (!row || row.userId !== userId) throw orderNotFound();
      return (await withLines(reader, [row]))[0]!;
    },
    list: (userId, input) => page(eq(orders.userId, userId), input),
    listAll: (input) => page(input.status ? eq(orders.status, input.status) : undefined, input),

    async cancel(userId, orderId) {
      const row = await ownOrder(userId, orderId);
      if (inFlight.includes(row.status)) {
        throw new DomainError(
          "CONFLICT",
          "ORDER.CHECKOUT_IN_PROGRESS",
          "this order's checkout is still running; try again in a moment",
        );
      }
      checkCustomerCanCancel(row.status);
      const reason = "cancelled by the customer";
      const cancelled = await setStatus(db, row, "cancelled", {
        reason,
        refundDue: true,
        events: [orderEvent(clock, row, await linesOf(db.primary, row.id), "order.cancelled@1", { reason })],
      });
      ports.eventsCommitted(outbox);
      return view(await saga.advance(cancelled));
    },

    async fulfil(orderId) {
      const row = await findOrder(db.primary, orderId);
      if (!row) throw orderNotFound();
      const fulfilled = await setStatus(db, row, "fulfilled", {
        events: [orderEvent(clock, row, await linesOf(db.primary, row.id), "order.fulfilled@1")],
      });
      ports.eventsCommitted(outbox);
      return view(fulfilled);
    },
  };

  return {
    api,
    /** Payment events (a late success, a refund from the provider's dashboard) that move orders (ADR 021). */
    consumer: {
      consumer: CONSUMER,
      handle: paymentEventHandler({ db, log, saga }),
      onPoison: logPoison(log),
    },
    /**
     * Finishes or compensates every saga a crash left behind. `everything` also takes orders whose
     * lease has not run out: right for the embedded shape at start-up, where no other process can
     * hold one. Returns how many orders it moved on.
     */
    async recover({ everything = false } = {}): Promise<number> {
      const stuck = await db.primary
        .update(orders)
        .set({ sagaLeaseUntil: leaseFromNow() })
        .where(
          and(
            or(
              inArray(orders.status, [...inFlight]),
              eq(orders.refundDue, true),
              eq(orders.cartClearDue, true),
              eq(orders.paymentCheckDue, true),
              eq(orders.restockDue, true),
            ),
            everything ? undefined : lt(orders.sagaLeaseUntil, sql`now()`),
          ),
        )
        .returning();
      let resolved = 0;
      for (const row of stuck) {
        try {
          await saga.advance(row, { resumed: true });
          resolved++;
        } catch (error) {
          if (error instanceof DomainError) resolved++;
          else log.error("could not recover an order", { orderId: row.id, error });
        }
      }
      return resolved;
    },
  };
}
export type OrderService = ReturnType<typeof createOrderService>;
