import type { PaymentMethodOption } from "../../contracts/payment.ts";

/**
 * The payment methods the storefront offers while no real card form exists: Stripe's documented test
 * PaymentMethod ids (docs.stripe.com/testing). The simulated provider answers them as Stripe's test
 * mode does, and Stripe in test mode accepts the same ids. The labels are what a shopper reads (and the
 * payment radios' accessible names): no label contains another, so each names exactly one option.
 */
export const offeredMethods: readonly PaymentMethodOption[] = [
  { id: "pm_card_visa", label: "Visa (succeeds)", outcome: "succeeds" },
  { id: "pm_card_mastercard", label: "Mastercard (succeeds)", outcome: "succeeds" },
  { id: "pm_card_amex", label: "American Express (succeeds)", outcome: "succeeds" },
  { id: "pm_card_chargeDeclined", label: "Declined card", outcome: "declines" },
  {
    id: "pm_card_chargeDeclinedInsufficientFunds",
    label: "Insufficient funds (declines)",
    outcome: "declines",
  },
  { id: "pm_card_chargeDeclinedExpiredCard", label: "Expired card (declines)", outcome: "declines" },
  { id: "pm_card_chargeDeclinedIncorrectCvc", label: "Incorrect CVC (declines)", outcome: "declines" },
  { id: "pm_card_chargeDeclinedFraudulent", label: "Flagged as fraud (declines)", outcome: "declines" },
];
