import type { Env, Hono } from "hono";
import { bodyLimit } from "hono/body-limit";
import Stripe from "stripe";
import { z } from "zod";
import { type Clock, systemClock } from "../../platform/clock.ts";
import { handledWebhookEvents, toDeclineCode } from "./domain/payment.ts";
import type { ProviderEvent, ProviderEventApplied, ProviderEventOutcome } from "./provider-events.ts";

/** Stripe's own default: a signed event older than five minutes is refused (replay protection). */
export const WEBHOOK_TOLERANCE_SECONDS = 300;
/** Stripe's events are a few KiB; anything far larger is refused before the signature is even checked. */
export const WEBHOOK_MAX_BYTES = 64 * 1024;

export type WebhookApplied = ProviderEventApplied;

export type StripeWebhookOptions = {
  /** The endpoint's signing secret (`whsec_…`, STRIPE_WEBHOOK_SECRET). */
  secret: string;
  /** The payment service's entry for provider events (it dedupes, moves the payment, emits events). */
  payments: { applyProviderEvent(event: ProviderEvent): Promise<ProviderEventOutcome> };
  clock?: Clock;
};

/** The envelope of a Stripe event, as far as we read it; the signature does not make it well-formed. */
const StripeEvent = z.object({
  id: z.string().min(1).max(255),
  type: z.string().min(1).max(255),
  data: z.object({ object: z.record(z.string(), z.unknown()) }),
});
type StripeEvent = z.infer<typeof StripeEvent>;

const Metadata = z.record(z.string(), z.string()).nullish();

const PaymentIntent = z.object({
  id: z.string().min(1).max(255),
  metadata: Metadata,
  last_payment_error: z
    .object({
      code: z.string().nullish(),
      decline_code: z.string().nullish(),
      message: z.string().nullish(),
    })
    .nullish(),
});

const Charge = z.object({
  refunded: z.boolean(),
  payment_intent: z.union([z.string(), z.object({ id: z.string() })]).nullish(),
  metadata: Metadata,
});

const badRequest = (error: string) => ({ received: false, error });

const firstIssue = (error: z.ZodError) => {
  const issue = error.issues[0];
  return issue ? `${issue.path.join(".") || "event"}: ${issue.message}` : "unreadable";
};

/**
 * Our terms for a Stripe event we track; null for one that moves nothing (a partial refund, a charge
 * without a PaymentIntent); a string saying what is wrong with an event we cannot read.
 */
function providerEventOf(event: StripeEvent): ProviderEvent | null | string {
  const { object } = event.data;
  if (event.type === "charge.refunded") {
    const charge = Charge.safeParse(object);
    if (!charge.success) return `not a Charge: ${firstIssue(charge.error)}`;
    // Partial refunds send this event too; the shop only ever refunds in full.
    const intent = charge.data.payment_intent;
    const ref = typeof intent === "string" ? intent : intent?.id;
    if (!charge.data.refunded || !ref) return null;
    return { id: event.id, type: event.type, ref, orderId: charge.data.metadata?.orderId ?? null };
  }
  const intent = PaymentIntent.safeParse(object);
  if (!intent.success) return `not a PaymentIntent: ${firstIssue(intent.error)}`;
  const failure = intent.data.last_payment_error;
  return {
    id: event.id,
    type: event.type,
    ref: intent.data.id,
    orderId: intent.data.metadata?.orderId ?? null,
    ...(event.type === "payment_intent.payment_failed" && {
      decline: {
        code: toDeclineCode(failure?.decline_code, failure?.code),
        message: failure?.message ?? null,
      },
    }),
  };
}

/**
 * `POST /webhooks/stripe`: refuses bodies over 64 KiB (413), verifies the `Stripe-Signature` header
 * over the raw body, refuses a signature dated beyond the tolerance either way, and hands events that
 * can move a payment to the payment service (which records the event id, so a redelivery is answered
 * 200 and ignored). Unrelated event types are acknowledged and ignored without a write.
 * @example mountStripeWebhook(host.app, { secret: config.STRIPE_WEBHOOK_SECRET, payments });
 */
export function mountStripeWebhook<E extends Env>(app: Hono<E>, options: StripeWebhookOptions) {
  const { secret, payments, clock = systemClock } = options;

  app.post(
    "/webhooks/stripe",
    bodyLimit({
      maxSize: WEBHOOK_MAX_BYTES,
      onError: (c) => c.json(badRequest(`webhook body exceeds ${WEBHOOK_MAX_BYTES} bytes`), 413),
    }),
    async (c) => {
      const signature = c.req.header("stripe-signature");
      if (!signature) return c.json(badRequest("missing Stripe-Signature header"), 400);
      // The signature covers the exact bytes Stripe sent: read them before anything parses the body.
      const body = await c.req.text();
      const now = clock.now().getTime();
      let verified: unknown;
      try {
        verified = await Stripe.webhooks.constructEventAsync(
          body,
          signature,
          secret,
          WEBHOOK_TOLERANCE_SECONDS,
          undefined,
          now,
        );
      } catch (error) {
        const reason = error instanceof Error ? error.message.split("\n")[0] : "unreadable event";
        return c.json(badRequest(`webhook signature verification failed: ${reason}`), 400);
      }
      // Stripe only refuses signatures that are too old; one dated in the future is as suspect.
      const signedAt = Number(/(?:^|,)\s*t=(\d+)/.exec(signature)?.[1]);
      if (signedAt - Math.floor(now / 1000) > WEBHOOK_TOLERANCE_SECONDS) {
        return c.json(
          badRequest("webhook signature verification failed: Timestamp outside the tolerance zone (future)"),
          400,
        );
      }
      const event = StripeEvent.safeParse(verified);
      if (!event.success) return c.json(badRequest(`not a Stripe event: ${firstIssue(event.error)}`), 400);

      if (!handledWebhookEvents.has(event.data.type)) {
        return c.json({ received: true, duplicate: false, applied: false });
      }
      const providerEvent = providerEventOf(event.data);
      if (typeof providerEvent === "string") return c.json(badRequest(providerEvent), 400);
      if (!providerEvent) return c.json({ received: true, duplicate: false, applied: false });

      const outcome = await payments.applyProviderEvent(providerEvent);
      if (outcome.duplicate) return c.json({ received: true, duplicate: true });
      return c.json({ received: true, duplicate: false, applied: outcome.applied !== null });
    },
  );
}
