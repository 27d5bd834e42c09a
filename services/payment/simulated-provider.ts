import { asc, eq, sql } from "drizzle-orm";
import { DomainError } from "../../contracts/errors.ts";
import type { DeclineCode } from "../../contracts/payment.ts";
import { builtOnce, rowOf } from "../../platform/db/built-once.ts";
import type { Database } from "../../platform/db/port.ts";
import { simulatedCharges, simulatedRefunds } from "./db/schema.ts";
import { paymentErrors } from "./domain/payment.errors.ts";
import { DECLINE_MESSAGES } from "./domain/payment.ts";
import type { PaymentProvider } from "./provider.ts";

/** Stripe's documented test PaymentMethods that succeed (docs.stripe.com/testing, "Cards by brand"). */
export const SUCCEEDING_TEST_METHODS = [
  "pm_card_visa",
  "pm_card_visa_debit",
  "pm_card_mastercard",
  "pm_card_mastercard_debit",
  "pm_card_mastercard_prepaid",
  "pm_card_amex",
  "pm_card_discover",
  "pm_card_diners",
  "pm_card_jcb",
  "pm_card_unionpay",
] as const;

/**
 * Stripe's documented test PaymentMethods that decline, and the decline each produces
 * (docs.stripe.com/testing, "Declined payments"). Stripe spells several both with and without
 * `_visa`; both spellings are accepted here as they are in Stripe's test mode.
 */
export const DECLINING_TEST_METHODS: Readonly<Record<string, DeclineCode>> = {
  pm_card_chargeDeclined: "generic_decline",
  pm_card_visa_chargeDeclined: "generic_decline",
  pm_card_chargeDeclinedInsufficientFunds: "insufficient_funds",
  pm_card_visa_chargeDeclinedInsufficientFunds: "insufficient_funds",
  pm_card_chargeDeclinedLostCard: "lost_card",
  pm_card_visa_chargeDeclinedLostCard: "lost_card",
  pm_card_chargeDeclinedStolenCard: "stolen_card",
  pm_card_visa_chargeDeclinedStolenCard: "stolen_card",
  pm_card_chargeDeclinedExpiredCard: "expired_card",
  pm_card_chargeDeclinedIncorrectCvc: "incorrect_cvc",
  pm_card_chargeDeclinedProcessingError: "processing_error",
  pm_card_chargeDeclinedVelocityLimitExceeded: "card_velocity_exceeded",
  pm_card_visa_chargeDeclinedVelocityLimitExceeded: "card_velocity_exceeded",
  pm_card_chargeDeclinedFraudulent: "fraudulent",
  pm_card_radarBlock: "fraudulent",
};

const succeeding = new Set<string>(SUCCEEDING_TEST_METHODS);
const isTestMethod = (id: string) => succeeding.has(id) || Object.hasOwn(DECLINING_TEST_METHODS, id);

const idempotencyMismatch = (key: string) =>
  new DomainError(
    "CONFLICT",
    "PAYMENT.IDEMPOTENCY_MISMATCH",
    `idempotency key "${key}" was already used with different parameters`,
  );

const value = sql.placeholder;
const toCharge = rowOf(simulatedCharges);

const ref = (prefix: string) => `${prefix}_sim_${Bun.randomUUIDv7().replaceAll("-", "")}`;

/**
 * The default provider: answers Stripe's test PaymentMethod ids the way Stripe's test mode does,
 * and keeps its own ledger (`payment.simulated_charges` / `simulated_refunds`) keyed by idempotency
 * key, so a repeated key returns the recorded outcome and the ledger counts the real charges.
 * @example const provider = simulatedProvider(ports.db);
 */
export function simulatedProvider(db: Database): PaymentProvider {
  // Every charge runs it: built once (ADR 178). Its row comes back as the ledger's columns name it.
  const recordCharge = builtOnce<Record<string, unknown>>(
    db.primary,
    sql`
      insert into ${simulatedCharges} (idempotency_key, ref, amount, currency, payment_method_id, outcome, decline_code, message)
      values (${value("idempotencyKey")}, ${value("ref")}, ${value("amount")}, ${value("currency")},
        ${value("paymentMethodId")}, ${value("outcome")}, ${value("declineCode")}, ${value("message")})
      on conflict do nothing
      returning idempotency_key, ref, amount, currency, payment_method_id, outcome, decline_code, message, created_at`,
  );
  return {
    name: "simulated",

    async checkMethod(paymentMethodId) {
      if (!isTestMethod(paymentMethodId)) throw paymentErrors.unknownMethod(paymentMethodId);
    },

    async charge({ idempotencyKey, amount, currency, paymentMethodId }) {
      if (!isTestMethod(paymentMethodId)) throw paymentErrors.unknownMethod(paymentMethodId);
      const declineCode = DECLINING_TEST_METHODS[paymentMethodId];
      // Insert-or-read keeps concurrent calls with one key to one charge, like Stripe's key store; a
      // first call reads nothing back. The read is a statement of its own: one in the same statement
      // would not see the row of a concurrent call that won the insert.
      const [inserted] = (
        await recordCharge({
          idempotencyKey,
          ref: ref("pi"),
          amount,
          currency,
          paymentMethodId,
          outcome: declineCode ? "declined" : "succeeded",
          declineCode: declineCode ?? null,
          message: declineCode ? DECLINE_MESSAGES[declineCode] : null,
        })
      ).map(toCharge);
      const [row] = inserted
        ? [inserted]
        : await db.primary
            .select()
            .from(simulatedCharges)
            .where(eq(simulatedCharges.idempotencyKey, idempotencyKey));
      if (!row) throw new Error(`simulated charge ${idempotencyKey} vanished`);
      if (row.amount !== amount || row.currency !== currency || row.paymentMethodId !== paymentMethodId) {
        throw idempotencyMismatch(idempotencyKey);
      }
      return row.outcome === "succeeded"
        ? { status: "succeeded", ref: row.ref }
        : {
            status: "declined",
            ref: row.ref,
            declineCode: row.declineCode as DeclineCode,
            message: row.message ?? DECLINE_MESSAGES[row.declineCode as DeclineCode],
          };
    },

    async refund({ idempotencyKey, ref: chargeRef, amount }) {
      const [charge] = await db.primary
        .select()
        .from(simulatedCharges)
        .where(eq(simulatedCharges.ref, chargeRef));
      if (charge?.outcome !== "succeeded") throw paymentErrors.unknownRef(chargeRef);
      if (!Number.isInteger(amount) || amount <= 0 || amount > charge.amount) {
        throw new DomainError(
          "BAD_REQUEST",
          "PAYMENT.INVALID_REFUND",
          `cannot refund ${amount} of a charge of ${charge.amount}`,
        );
      }
      await db.primary
        .insert(simulatedRefunds)
        .values({ idempotencyKey, ref: ref("re"), chargeRef, amount })
        .onConflictDoNothing();
      const [row] = await db.primary
        .select()
        .from(simulatedRefunds)
        .where(eq(simulatedRefunds.idempotencyKey, idempotencyKey));
      if (!row) throw new Error(`simulated refund ${idempotencyKey} vanished`);
      if (row.chargeRef !== chargeRef || row.amount !== amount) throw idempotencyMismatch(idempotencyKey);
      return { ref: row.ref };
    },
  };
}

/**
 * Reads the simulated provider's books: what was really charged and refunded, oldest first.
 * @example expect((await simulatedLedger(db)).charges).toHaveLength(1);
 */
export async function simulatedLedger(db: Database) {
  const [charges, refunds] = await Promise.all([
    db.primary.select().from(simulatedCharges).orderBy(asc(simulatedCharges.createdAt)),
    db.primary.select().from(simulatedRefunds).orderBy(asc(simulatedRefunds.createdAt)),
  ]);
  return { charges, refunds };
}
