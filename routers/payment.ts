import { publicProcedure, router } from "./trpc.ts";

/**
 * The payment methods the storefront offers while no real card form exists: Stripe's documented test
 * PaymentMethod ids (docs.stripe.com/testing). The simulated provider answers them as Stripe's test
 * mode does, and Stripe in test mode accepts the same ids. A static list here, because routers may
 * not import services. The labels are what a shopper reads (and the payment radios' accessible names):
 * no label contains another, so each names exactly one option.
 */
const TEST_PAYMENT_METHODS = [
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
] as const satisfies readonly { id: string; label: string; outcome: "succeeds" | "declines" }[];

export const paymentRouter = router({
  methods: publicProcedure.query(() => TEST_PAYMENT_METHODS),
});
