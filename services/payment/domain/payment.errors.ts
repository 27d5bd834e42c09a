import { DomainError } from "../../../contracts/errors.ts";
import type { PaymentRecord } from "../../../contracts/payment.ts";

/** Every error the payment service raises, by code; messages name the state that refused the call. */
export const paymentErrors = {
  invalidAmount: (amount: number) =>
    new DomainError(
      "BAD_REQUEST",
      "PAYMENT.INVALID_AMOUNT",
      `a charge needs a positive whole amount in minor units, got ${amount}`,
    ),
  invalidMethod: (message: string) => new DomainError("BAD_REQUEST", "PAYMENT.INVALID_METHOD", message),
  unknownMethod: (paymentMethodId: string) =>
    new DomainError("BAD_REQUEST", "PAYMENT.UNKNOWN_METHOD", `unknown payment method "${paymentMethodId}"`, {
      paymentMethodId,
    }),
  amountMismatch: (
    orderId: string,
    charged: { amount: number; currency: string },
    asked: { amount: number; currency: string },
  ) =>
    new DomainError(
      "CONFLICT",
      "PAYMENT.AMOUNT_MISMATCH",
      `order ${orderId} was already charged ${charged.amount} ${charged.currency}; refusing a second charge of ${asked.amount} ${asked.currency}`,
      { orderId },
    ),
  notFound: (orderId: string) =>
    new DomainError("NOT_FOUND", "PAYMENT.NOT_FOUND", `no payment was ever attempted for order ${orderId}`, {
      orderId,
    }),
  notRefundable: (orderId: string, status: PaymentRecord["status"]) =>
    new DomainError(
      "CONFLICT",
      "PAYMENT.NOT_REFUNDABLE",
      `cannot refund order ${orderId}: its payment is ${status}, only a succeeded payment can be refunded`,
      { orderId, status },
    ),
  processing: (orderId: string) =>
    new DomainError(
      "PRECONDITION_FAILED",
      "PAYMENT.PROCESSING",
      `the payment for order ${orderId} is still processing at the provider; ask again later`,
      { orderId },
    ),
  alreadyRefunded: (ref: string) =>
    new DomainError(
      "CONFLICT",
      "PAYMENT.ALREADY_REFUNDED",
      `the charge ${ref} was already refunded at the provider`,
      {
        ref,
      },
    ),
  unknownRef: (ref: string) =>
    new DomainError("NOT_FOUND", "PAYMENT.UNKNOWN_CHARGE", `the provider has no charge ${ref}`, { ref }),
};
