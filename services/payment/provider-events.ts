import { and, eq, isNull } from "drizzle-orm";
import { Id } from "../../contracts/common.ts";
import { money } from "../../contracts/money.ts";
import type { DeclineCode } from "../../contracts/payment.ts";
import { appendToOutbox, event as envelope } from "../../platform/bus/outbox.ts";
import type { Tx } from "../../platform/db/port.ts";
import type { ServicePorts } from "../../platform/service.ts";
import { outbox, payments, webhookEvents } from "./db/schema.ts";
import { type PaymentStatus, providerChangeEvent, webhookTransition } from "./domain/payment.ts";

/** A provider's own report about a charge (a webhook), in terms that name no provider. */
export type ProviderEvent = {
  /** The provider's event id: an event is applied once, however often it is delivered. */
  id: string;
  type: string;
  /** The provider's reference of the charge (Stripe: the PaymentIntent id). */
  ref: string;
  /** Our order id, when the provider echoes the metadata the charge carried. */
  orderId: string | null;
  /** Why a payment failed, for `payment_intent.payment_failed`. */
  decline?: { code: DeclineCode; message: string | null };
};

/** What an event did to our books: the payment it matched and the status it moved to. */
export type ProviderEventApplied = {
  paymentId: string;
  orderId: string;
  from: PaymentStatus;
  to: PaymentStatus;
};

export type ProviderEventOutcome =
  | { duplicate: true }
  | { duplicate: false; applied: ProviderEventApplied | null };

/** The payment an event is about: by the provider's reference, else (answer lost) by our order id. */
async function matching(tx: Tx, event: ProviderEvent) {
  const [byRef] = await tx.select().from(payments).where(eq(payments.providerRef, event.ref)).for("update");
  if (byRef) return byRef;
  // The charge call never heard back (a timeout, a crash), so the row has no provider reference yet.
  if (!event.orderId || !Id.safeParse(event.orderId).success) return null;
  const [byOrder] = await tx
    .select()
    .from(payments)
    .where(and(eq(payments.orderId, event.orderId), isNull(payments.providerRef)))
    .for("update");
  return byOrder ?? null;
}

/**
 * Applies provider events to payments: records the event id (a repeat is a duplicate and does
 * nothing), moves the matching payment as the domain allows, and announces money that arrived or
 * went back on the provider's side through the outbox, for the order to follow (ADR 021) — all in
 * one transaction.
 * @example const apply = providerEventApplier(ports); await apply({ id: "evt_1", type: "charge.refunded", ref: "pi_1", orderId: null });
 */
export function providerEventApplier(ports: ServicePorts) {
  const { db, clock } = ports;

  return async function applyProviderEvent(event: ProviderEvent): Promise<ProviderEventOutcome> {
    const { outcome, announced } = await db.primary.transaction(async (tx) => {
      const [fresh] = await tx
        .insert(webhookEvents)
        .values({ id: event.id, type: event.type, receivedAt: clock.now() })
        .onConflictDoNothing()
        .returning();
      if (!fresh) return { outcome: { duplicate: true as const }, announced: false };

      const payment = await matching(tx, event);
      const next = payment && webhookTransition(event.type, payment.status);
      if (!payment || !next)
        return { outcome: { duplicate: false as const, applied: null }, announced: false };

      await tx
        .update(payments)
        .set({
          status: next,
          providerRef: event.ref,
          updatedAt: clock.now(),
          ...(next === "declined" && {
            declineCode: event.decline?.code ?? "generic_decline",
            declineMessage: event.decline?.message ?? null,
          }),
          ...(next === "succeeded" && { declineCode: null, declineMessage: null }),
        })
        .where(eq(payments.id, payment.id));
      const name = providerChangeEvent(next);
      if (name) {
        await appendToOutbox(tx, outbox, [
          envelope(
            name,
            payment.orderId,
            {
              orderId: payment.orderId,
              paymentId: payment.id,
              userId: payment.userId,
              amount: money(payment.amount, payment.currency),
              previousStatus: payment.status,
            },
            clock,
          ),
        ]);
      }
      const applied = { paymentId: payment.id, orderId: payment.orderId, from: payment.status, to: next };
      return { outcome: { duplicate: false as const, applied }, announced: name !== null };
    });
    if (announced) ports.eventsCommitted(outbox);
    return outcome;
  };
}
