import { eq } from "drizzle-orm";
import { type EventEnvelope, EventPayloads } from "../../contracts/events.ts";
import { handleOnce } from "../../platform/bus/inbox.ts";
import type { PoisonHandler } from "../../platform/bus/port.ts";
import type { Database } from "../../platform/db/port.ts";
import type { Logger } from "../../platform/log.ts";
import { inbox, orders } from "./db/schema.ts";
import { inFlight } from "./domain/order.ts";
import type { PlaceOrderSaga } from "./saga/place-order.ts";
import { leaseFromNow, loadOrder } from "./store.ts";

/** The bus consumer group of the order service. */
export const CONSUMER = "order";

/** The payment events an order reacts to: the provider changed a payment without being asked. */
const triggers = {
  "payment.succeeded_at_provider": EventPayloads["payment.succeeded_at_provider@1"],
  "payment.refunded_at_provider": EventPayloads["payment.refunded_at_provider@1"],
} as const;

/**
 * Consumes payment events (ADR 021). The inbox transaction only marks the order `paymentCheckDue`, once
 * per event id; the saga then reconciles the order with its payment (which may call other services,
 * so it cannot run inside that transaction). The flag outlives a crash: recovery finishes the work.
 * @example await bus.subscribe(CONSUMER, paymentEventHandler({ db, log, saga }), { onPoison });
 */
export function paymentEventHandler({ db, log, saga }: { db: Database; log: Logger; saga: PlaceOrderSaga }) {
  return async (event: EventEnvelope) => {
    if (!Object.hasOwn(triggers, event.type)) return;
    if (event.version !== 1) throw new Error(`no handler for ${event.type}@${event.version}`);
    // Throws on an invalid payload: the bus retries, then hands the event to onPoison.
    const { orderId } = triggers[event.type as keyof typeof triggers].parse(event.payload);
    await handleOnce(db, inbox, CONSUMER, event, async (tx) => {
      await tx
        .update(orders)
        .set({ paymentCheckDue: true, sagaLeaseUntil: leaseFromNow() })
        .where(eq(orders.id, orderId));
    });
    // Also on a redelivery: an earlier attempt may have failed after the inbox commit.
    const order = await loadOrder(db.primary, orderId);
    // A checkout still running sees the flag when it comes to rest and reconciles then.
    if (!order?.paymentCheckDue || inFlight.includes(order.status)) return;
    await saga.advance(order).catch((error) => {
      // The flag stays set: recovery takes the order once its lease runs out.
      log.warn("could not reconcile an order with its payment yet", { orderId, error });
    });
  };
}

/** An event the handler kept failing on (a payload that breaks its contract): logged for an operator. */
export const logPoison =
  (log: Logger): PoisonHandler =>
  (consumer, event, error) => {
    log.error("order: gave up on an event", {
      consumer,
      eventId: event.id,
      type: `${event.type}@${event.version}`,
      error,
    });
  };
