import { money } from "../../../contracts/money.ts";
import { type ChargeResult, DeclineCode, type PaymentRecord } from "../../../contracts/payment.ts";
import { paymentErrors } from "./payment.errors.ts";

export type PaymentStatus = PaymentRecord["status"];

/** The fields of a stored payment the rules below look at. */
export type PaymentState = {
  id: string;
  orderId: string;
  status: PaymentStatus;
  amount: number;
  currency: string;
  declineCode: string | null;
  declineMessage: string | null;
};

/** What Stripe tells the cardholder for each decline, so both providers speak the same words. */
export const DECLINE_MESSAGES: Record<DeclineCode, string> = {
  generic_decline: "Your card was declined.",
  insufficient_funds: "Your card has insufficient funds.",
  lost_card: "Your card was declined.",
  stolen_card: "Your card was declined.",
  expired_card: "Your card has expired.",
  incorrect_cvc: "Your card's security code is incorrect.",
  processing_error: "An error occurred while processing your card. Try again in a little bit.",
  card_velocity_exceeded:
    "Your card was declined for making repeated attempts too frequently or exceeding its amount limit.",
  fraudulent: "Your card was declined.",
};

/**
 * Maps a provider's decline reason onto ours. Stripe puts it in `decline_code` for issuer declines
 * and in `code` for some others (`expired_card`, `incorrect_cvc`, `processing_error`); anything we do
 * not model (do_not_honor, card_not_supported, …) is a generic decline.
 */
export function toDeclineCode(...candidates: (string | null | undefined)[]): DeclineCode {
  for (const candidate of candidates) {
    const parsed = DeclineCode.safeParse(candidate);
    if (parsed.success) return parsed.data;
  }
  return "generic_decline";
}

/** A charge amount must be a positive whole number of minor units. */
export function checkChargeAmount(amount: number) {
  if (!Number.isInteger(amount) || amount <= 0) throw paymentErrors.invalidAmount(amount);
}

/** A repeated charge for an order must ask for exactly what the first one asked for. */
export function checkSameCharge(payment: PaymentState, asked: { amount: number; currency: string }) {
  if (payment.amount !== asked.amount || payment.currency !== asked.currency) {
    throw paymentErrors.amountMismatch(payment.orderId, payment, asked);
  }
}

/**
 * The outcome a final payment stands for, or null while it is pending. A refunded payment was a
 * successful charge: replaying the charge says so rather than charging again.
 */
export function chargeResultOf(payment: PaymentState): ChargeResult | null {
  switch (payment.status) {
    case "pending":
      return null;
    case "succeeded":
    case "refunded":
      return {
        status: "succeeded",
        paymentId: payment.id,
        amount: money(payment.amount, payment.currency),
      };
    case "declined": {
      const declineCode = toDeclineCode(payment.declineCode);
      return {
        status: "declined",
        paymentId: payment.id,
        declineCode,
        message: payment.declineMessage ?? DECLINE_MESSAGES[declineCode],
      };
    }
  }
}

/**
 * Only a successful charge can be refunded. `refunded` without a refund of ours on record passes too:
 * the provider may have reported our own refund (by webhook) before we recorded it, and asking the
 * provider again with the same idempotency key returns that refund instead of making another.
 */
export function checkRefundable(payment: PaymentState) {
  if (payment.status !== "succeeded" && payment.status !== "refunded") {
    throw paymentErrors.notRefundable(payment.orderId, payment.status);
  }
}

/** The provider events that move a payment, and the states each may move it from. */
const webhookTransitions: Record<string, { to: PaymentStatus; from: readonly PaymentStatus[] }> = {
  // A PaymentIntent can still succeed after a failed attempt (the customer retried at the provider).
  "payment_intent.succeeded": { to: "succeeded", from: ["pending", "declined"] },
  "payment_intent.payment_failed": { to: "declined", from: ["pending"] },
  "charge.refunded": { to: "refunded", from: ["succeeded"] },
};

/** The provider event types that can move a payment; every other type is acknowledged and ignored. */
export const handledWebhookEvents: ReadonlySet<string> = new Set(Object.keys(webhookTransitions));

/**
 * The status a provider event moves a payment to, or null when it does not apply (an unrelated event,
 * or one that arrives after the payment already moved on — events are not delivered in order).
 */
export function webhookTransition(eventType: string, status: PaymentStatus): PaymentStatus | null {
  if (!handledWebhookEvents.has(eventType)) return null;
  const transition = webhookTransitions[eventType]!;
  return transition.from.includes(status) ? transition.to : null;
}

/**
 * The event that tells the order about a change the provider made on its own (ADR 021): money that
 * arrived, or money that went back. A late decline changes nothing for the order, so it says nothing.
 */
export function providerChangeEvent(
  to: PaymentStatus,
): "payment.succeeded_at_provider@1" | "payment.refunded_at_provider@1" | null {
  if (to === "succeeded") return "payment.succeeded_at_provider@1";
  if (to === "refunded") return "payment.refunded_at_provider@1";
  return null;
}
