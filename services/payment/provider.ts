import type { DeclineCode } from "../../contracts/payment.ts";

export type ProviderCharge = {
  /** The same key always yields the same outcome and at most one charge (Stripe's idempotency keys). */
  idempotencyKey: string;
  /** Integer minor units. */
  amount: number;
  /** ISO code, upper case (`EUR`); a provider converts it to its own spelling. */
  currency: string;
  paymentMethodId: string;
  metadata: Record<string, string>;
};

export type ProviderChargeOutcome =
  | { status: "succeeded"; ref: string }
  | { status: "declined"; ref: string; declineCode: DeclineCode; message: string };

/**
 * A card processor as the payment service sees it. A decline is an outcome, not an error; an unknown
 * payment method is a client error (`PAYMENT.UNKNOWN_METHOD`); anything else thrown is transient and
 * the caller retries with the same idempotency key.
 */
export interface PaymentProvider {
  readonly name: string;
  /**
   * Refuses (`PAYMENT.UNKNOWN_METHOD`) a payment method the provider knows it cannot charge, without
   * charging or holding anything. A provider that can only tell by charging lets the id through.
   */
  checkMethod(paymentMethodId: string): Promise<void>;
  charge(input: ProviderCharge): Promise<ProviderChargeOutcome>;
  /** Refunds `amount` of the charge `ref`; the same key refunds once. */
  refund(input: { idempotencyKey: string; ref: string; amount: number }): Promise<{ ref: string }>;
}
