import { z } from "zod";
import type { Money } from "./money.ts";

/**
 * A payment method id from the client (Stripe-style `pm_…`). Raw card numbers are never accepted:
 * anything with a run of 12+ digits is refused before it reaches a service or a log.
 */
export const PaymentMethodId = z
  .string()
  .max(255)
  .regex(/^pm_[A-Za-z0-9_]+$/, {
    message: "expected a payment method id like 'pm_card_visa' (card numbers are never accepted)",
  })
  .refine((s) => !/\d{12,}/.test(s), { message: "card numbers are never accepted; tokenize the card first" });

export const DeclineCode = z.enum([
  "generic_decline",
  "insufficient_funds",
  "lost_card",
  "stolen_card",
  "expired_card",
  "incorrect_cvc",
  "processing_error",
  "card_velocity_exceeded",
  "fraudulent",
]);
export type DeclineCode = z.infer<typeof DeclineCode>;

/** A payment method a shopper may pick, and what charging it does (test methods say so in their label). */
export const PaymentMethodOption = z.object({
  id: z.string(),
  label: z.string(),
  outcome: z.enum(["succeeds", "declines"]),
});
export type PaymentMethodOption = z.infer<typeof PaymentMethodOption>;

export type ChargeInput = {
  orderId: string;
  amount: Money;
  paymentMethodId: string;
  customer: { userId: string; email: string };
};

/** A charge's outcome. Asking again for the same order returns the same outcome and never charges twice. */
export type ChargeResult =
  | { status: "succeeded"; paymentId: string; amount: Money }
  | { status: "declined"; paymentId: string; declineCode: DeclineCode; message: string };

export type PaymentRecord = {
  paymentId: string;
  orderId: string;
  status: "pending" | "succeeded" | "declined" | "refunded";
  amount: Money;
  declineCode: DeclineCode | null;
  refundedAmount: number;
};

/** The payment service as the order saga sees it. Every call is idempotent per order. */
export interface PaymentApi {
  /** The payment methods the storefront offers. */
  methods(): Promise<readonly PaymentMethodOption[]>;
  /**
   * Refuses, before anything is created or held, a payment method that cannot be charged: a malformed
   * id (PAYMENT.INVALID_METHOD) or one the provider knows it does not have (PAYMENT.UNKNOWN_METHOD).
   */
  checkMethod(paymentMethodId: string): Promise<void>;
  charge(input: ChargeInput): Promise<ChargeResult>;
  /** Refunds the order's successful charge in full; a second call returns the first refund. */
  refund(input: {
    orderId: string;
    reason: string;
    customer: { userId: string; email: string };
  }): Promise<{ refundId: string; amount: Money }>;
  /** The order's payment, or null when no charge was ever attempted. Never charges. */
  find(orderId: string): Promise<PaymentRecord | null>;
}
