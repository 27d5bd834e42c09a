import Stripe from "stripe";
import { DomainError } from "../../contracts/errors.ts";
import { paymentErrors } from "./domain/payment.errors.ts";
import { DECLINE_MESSAGES, toDeclineCode } from "./domain/payment.ts";
import type { PaymentProvider, ProviderChargeOutcome } from "./provider.ts";

export type StripeProviderOptions = {
  secretKey: string;
  /** Where the API lives; only tests point these elsewhere (a local stand-in). */
  host?: string;
  port?: number;
  protocol?: "http" | "https";
  /** Retries on network errors and 409s (a concurrent request with the same idempotency key). */
  maxNetworkRetries?: number;
  timeoutMs?: number;
};

const declined = (
  ref: string,
  error: { decline_code?: string | null; code?: string | null; message?: string | null } | null | undefined,
): ProviderChargeOutcome => {
  const declineCode = toDeclineCode(error?.decline_code, error?.code);
  return { status: "declined", ref, declineCode, message: error?.message || DECLINE_MESSAGES[declineCode] };
};

/**
 * Charges through Stripe PaymentIntents, confirmed server-side with a PaymentMethod id the client got
 * from Stripe.js (or one of Stripe's `pm_card_*` test ids in test mode). Every call carries the
 * caller's idempotency key, so a retry after a crash or timeout never charges twice.
 * @example const provider = stripeProvider({ secretKey: config.STRIPE_SECRET_KEY });
 */
export function stripeProvider(options: StripeProviderOptions): PaymentProvider {
  const stripe = new Stripe(options.secretKey, {
    maxNetworkRetries: options.maxNetworkRetries ?? 2,
    timeout: options.timeoutMs ?? 20_000,
    telemetry: false,
    ...(options.host && { host: options.host }),
    ...(options.port && { port: options.port }),
    ...(options.protocol && { protocol: options.protocol }),
  });

  return {
    name: "stripe",

    // A `pm_…` id from Stripe.js (or a `pm_card_*` test id) can only be checked by a round trip to
    // Stripe on every checkout. The id's shape was checked by the contract; an id Stripe does not
    // know fails the charge, and the checkout gives its stock back at once (ADR 020).
    async checkMethod() {},

    async charge({ idempotencyKey, amount, currency, paymentMethodId, metadata }) {
      let intent: Stripe.PaymentIntent;
      try {
        intent = await stripe.paymentIntents.create(
          {
            amount,
            currency: currency.toLowerCase(),
            payment_method: paymentMethodId,
            confirm: true,
            // Server-side confirmation: no redirect-based methods, so the answer is final (or 3DS).
            automatic_payment_methods: { enabled: true, allow_redirects: "never" },
            metadata,
          },
          { idempotencyKey },
        );
      } catch (error) {
        if (error instanceof Stripe.errors.StripeCardError) {
          const ref = error.payment_intent?.id ?? error.charge ?? error.requestId ?? idempotencyKey;
          return declined(ref, error);
        }
        if (
          error instanceof Stripe.errors.StripeInvalidRequestError &&
          error.code === "resource_missing" &&
          error.param === "payment_method"
        ) {
          throw paymentErrors.unknownMethod(paymentMethodId);
        }
        throw error;
      }

      switch (intent.status) {
        case "succeeded":
          return { status: "succeeded", ref: intent.id };
        case "requires_payment_method":
        case "canceled":
          return declined(intent.id, intent.last_payment_error);
        case "requires_action":
          // The shop confirms server-side and cannot run 3-D Secure yet; the card is not charged.
          return {
            status: "declined",
            ref: intent.id,
            declineCode: "generic_decline",
            message: "Your card requires authentication (3-D Secure), which this shop does not support yet.",
          };
        default:
          // `processing`: the outcome arrives later by webhook; the payment stays pending until then.
          throw new DomainError(
            "PRECONDITION_FAILED",
            "PAYMENT.PROCESSING",
            `the payment is still ${intent.status} at Stripe (${intent.id}); ask again later`,
            { ref: intent.id },
          );
      }
    },

    async refund({ idempotencyKey, ref, amount }) {
      try {
        const refund = await stripe.refunds.create({ payment_intent: ref, amount }, { idempotencyKey });
        return { ref: refund.id };
      } catch (error) {
        // Refunded elsewhere (the Dashboard) before the shop asked: nothing left to refund.
        if (error instanceof Stripe.errors.StripeError && error.code === "charge_already_refunded") {
          throw paymentErrors.alreadyRefunded(ref);
        }
        throw error;
      }
    },
  };
}
