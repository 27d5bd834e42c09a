import { and, eq, inArray, lt, or, sql } from "drizzle-orm";
import type { CartApi } from "../../contracts/cart.ts";
import { DomainError } from "../../contracts/errors.ts";
import type { OrderApi } from "../../contracts/order.ts";
import type { PaymentApi } from "../../contracts/payment.ts";
import type { ProductApi } from "../../contracts/product.ts";
import type { UserApi } from "../../contracts/user.ts";
import type { ServicePorts } from "../../platform/service.ts";
import { cancelCommand } from "./commands/cancel.ts";
import { checkoutCommand } from "./commands/checkout.ts";
import { fulfilCommand } from "./commands/fulfil.ts";
import { orders, outbox } from "./db/schema.ts";
import { inFlight } from "./domain/order.ts";
import { orderMetrics } from "./metrics.ts";
import { CONSUMER, logPoison, paymentEventHandler } from "./payment-events.ts";
import { orderQueries } from "./queries.ts";
import { type FaultHook, placeOrderSaga } from "./saga/place-order.ts";
import { leaseFromNow, orderStore, withLines } from "./store.ts";

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

/**
 * The order service, built from its ports: the checkout saga, the commands that change orders
 * (`commands/`), the queries that read them, the consumer of payment events, and crash recovery.
 */
export function createOrderService(ports: ServicePorts, deps: OrderDeps, options: OrderOptions) {
  const { db, clock, log } = ports;
  const store = orderStore({ db, clock, eventsCommitted: () => ports.eventsCommitted(outbox) });
  const saga = placeOrderSaga({
    db,
    log,
    product: deps.product,
    payment: deps.payment,
    cart: deps.cart,
    faults: deps.faults ?? (() => {}),
    reservationTtlMs: options.reservationTtlMs,
    save: store.save,
  });

  const metrics = orderMetrics(ports);
  const placeOrder = checkoutCommand({ db, clock, deps, saga });

  const api: OrderApi = {
    checkout: (customer, input) => metrics.countCheckout((replayed) => placeOrder(customer, input, replayed)),
    cancel: cancelCommand({ db, store, saga }),
    fulfil: fulfilCommand({ db, store }),
    ...orderQueries(db),
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
      for (const order of await withLines(db.primary, stuck)) {
        try {
          await saga.advance(order, { resumed: true });
          resolved++;
        } catch (error) {
          if (error instanceof DomainError) resolved++;
          else log.error("could not recover an order", { orderId: order.id, error });
        }
      }
      return resolved;
    },
  };
}
export type OrderService = ReturnType<typeof createOrderService>;
