import { eq } from "drizzle-orm";
import type { Env, Hono } from "hono";
import Stripe from "stripe";
import { type Clock, systemClock } from "../../platform/clock.ts";
import type { Database } from "../../platform/db/port.ts";
import { payments, webhookEvents } from "./db/schema.ts";
import { type PaymentStatus, toDeclineCode, webhookTransition } from "./domain/payment.ts";

/** Stripe's own default: a signed event older than five minutes is refused (replay protection). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;

/** What an event did to our books: the payment it matched and the status it moved to, if any. */
export type WebhookApplied = { paymentId: string; orderId: string; from: PaymentStatus; to: PaymentStatus };

export type StripeWebhookOptions = {
  /** The endpoint's signing secret (`whsec_…`, STRIPE_WEBHOOK_SECRET). */
  secret: string;
  db: Database;
  clock?: Clock;
  /**
   * Called after the event's effect committed, once per event id (duplicates never reach it). It is a
   * notification: a failure answers 500, but Stripe's redelivery is then skipped as a duplicate.
   */
  onEvent?: (event: Stripe.Event, applied: WebhookApplied | null) => unknown;
};

/** The PaymentIntent an event is about (our `provider_ref`), or null for events we do not track. */
function paymentIntentOf(event: Stripe.Event): string | null {
  switch (event.type) {
    case "payment_intent.succeeded":
    case "payment_intent.payment_failed":
      return event.data.object.id;
    case "charge.refunded": {
      const charge = event.data.object;
      // Partial refunds send this event too; the shop only ever refunds in full.
      if (!charge.refunded) return null;
      const intent = charge.payment_intent;
      return typeof intent === "string" ? intent : (intent?.id ?? null);
    }
    default:
      return null;
  }
}

const badRequest = (error: string) => ({ received: false, error });

/**
 * `POST /webhooks/stripe`: verifies the `Stripe-Signature` header over the raw body, records the event
 * id (Stripe delivers at least once, so a repeat is answered 200 and ignored), and moves the matching
 * payment's status — in one transaction. Unrelated events are acknowledged and ignored.
 * @example mountStripeWebhook(host.app, { secret: config.STRIPE_WEBHOOK_SECRET, db });
 */
export function mountStripeWebhook<E extends Env>(app: Hono<E>, options: StripeWebhookOptions) {
  const { secret, db, clock = systemClock, onEvent } = options;

  app.post("/webhooks/stripe", async (c) => {
    const signature = c.req.header("stripe-signature");
    if (!signature) return c.json(badRequest("missing Stripe-Signature header"), 400);
    // The signature covers the exact bytes Stripe sent: read them before anything parses the body.
    const body = await c.req.text();
    let event: Stripe.Event;
    try {
      event = await Stripe.webhooks.constructEventAsync(body, signature, secret, WEBHOOK_TOLERANCE_SECONDS);
    } catch (error) {
      const reason = error instanceof Error ? error.message.split("\n")[0] : "unreadable event";
      return c.json(badRequest(`webhook signature verification failed: ${reason}`), 400);
    }

    const outcome = await db.primary.transaction(async (tx) => {
      const [fresh] = await tx
        .insert(webhookEvents)
        .values({ id: event.id, type: event.type, receivedAt: clock.now() })
        .onConflictDoNothing()
        .returning();
      if (!fresh) return { duplicate: true as const };

      const ref = paymentIntentOf(event);
      if (!ref) return { duplicate: false as const, applied: null };
      const [payment] = await tx.select().from(payments).where(eq(payments.providerRef, ref)).for("update");
      const next = payment && webhookTransition(event.type, payment.status);
      if (!payment || !next) return { duplicate: false as const, applied: null };

      const failure =
        event.type === "payment_intent.payment_failed" ? event.data.object.last_payment_error : null;
      const declineCode = failure ? toDeclineCode(failure.decline_code, failure.code) : null;
      await tx
        .update(payments)
        .set({
          status: next,
          updatedAt: clock.now(),
          ...(next === "declined" && { declineCode, declineMessage: failure?.message ?? null }),
          ...(next === "succeeded" && { declineCode: null, declineMessage: null }),
        })
        .where(eq(payments.id, payment.id));
      const applied: WebhookApplied = {
        paymentId: payment.id,
        orderId: payment.orderId,
        from: payment.status,
        to: next,
      };
      return { duplicate: false as const, applied };
    });

    if (outcome.duplicate) return c.json({ received: true, duplicate: true });
    await onEvent?.(event, outcome.applied);
    return c.json({ received: true, duplicate: false, applied: outcome.applied !== null });
  });
}
