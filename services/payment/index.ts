import { and, eq, sql } from "drizzle-orm";
import { Id } from "../../contracts/common.ts";
import { DomainError } from "../../contracts/errors.ts";
import { money } from "../../contracts/money.ts";
import {
  type ChargeInput,
  type ChargeResult,
  DeclineCode,
  type PaymentApi,
  PaymentMethodId,
  type PaymentRecord,
} from "../../contracts/payment.ts";
import { appendToOutbox, event } from "../../platform/bus/outbox.ts";
import { builtOnce, rowOf } from "../../platform/db/built-once.ts";
import { newId } from "../../platform/ids.ts";
import type { ServicePorts } from "../../platform/service.ts";
import { outbox, payments, refunds } from "./db/schema.ts";
import { paymentErrors } from "./domain/payment.errors.ts";
import {
  chargeResultOf,
  checkChargeAmount,
  checkRefundable,
  checkSameCharge,
  toDeclineCode,
} from "./domain/payment.ts";
import { offeredMethods } from "./offered-methods.ts";
import type { PaymentProvider } from "./provider.ts";
import { type ProviderEvent, type ProviderEventOutcome, providerEventApplier } from "./provider-events.ts";
import { simulatedProvider } from "./simulated-provider.ts";
import { stripeProvider } from "./stripe-provider.ts";

export { outbox as paymentOutbox } from "./db/schema.ts";
export type { PaymentProvider } from "./provider.ts";
export type { ProviderEvent } from "./provider-events.ts";
export { simulatedLedger, simulatedProvider } from "./simulated-provider.ts";
export { stripeProvider } from "./stripe-provider.ts";
export { mountStripeWebhook } from "./webhook.ts";

type Payment = typeof payments.$inferSelect;

/** The payment service: the API the saga calls, and the entry for what the provider reports itself. */
export type PaymentService = {
  api: PaymentApi;
  /** Applies a provider event (a verified webhook) once per event id; see provider-events.ts. */
  applyProviderEvent(event: ProviderEvent): Promise<ProviderEventOutcome>;
};

/** The provider's idempotency keys: one charge and one refund per order, however often we ask. */
export const chargeKey = (orderId: string) => `charge:${orderId}`;
export const refundKey = (orderId: string) => `refund:${orderId}`;

/**
 * Picks the card processor from the configuration: the simulated one (Stripe's test ids, no network)
 * unless PAYMENT_PROVIDER=stripe, which needs STRIPE_SECRET_KEY (config validation insists on it).
 * @example const provider = paymentProviderFrom(config, ports);
 */
export function paymentProviderFrom(
  config: { PAYMENT_PROVIDER: "simulated" | "stripe"; STRIPE_SECRET_KEY?: string | undefined },
  ports: Pick<ServicePorts, "db">,
): PaymentProvider {
  if (config.PAYMENT_PROVIDER === "simulated") return simulatedProvider(ports.db);
  if (!config.STRIPE_SECRET_KEY)
    throw new Error("STRIPE_SECRET_KEY: is required when PAYMENT_PROVIDER=stripe");
  return stripeProvider({ secretKey: config.STRIPE_SECRET_KEY });
}

/**
 * The payment service: one charge per order, at most one full refund, every call idempotent per order.
 * A charge is written `pending` before the provider is called with the key `charge:<orderId>`, so a
 * crash between the two is retried safely: the provider returns the outcome it recorded.
 */
export function createPaymentService(
  ports: ServicePorts,
  { provider }: { provider: PaymentProvider },
): PaymentService {
  const { db, clock } = ports;
  const declines = ports.metrics.counter({
    name: "fastr_payment_declines_total",
    help: "Charges the provider declined, by decline reason (generic_decline, insufficient_funds, …)",
    labelNames: ["reason"],
  });
  for (const reason of DeclineCode.options) declines.inc({ reason }, 0);

  const load = async (orderId: string) =>
    (await db.primary.select().from(payments).where(eq(payments.orderId, orderId)))[0] ?? null;

  const loadRefund = async (orderId: string) =>
    (await db.primary.select().from(refunds).where(eq(refunds.orderId, orderId)))[0] ?? null;

  // A charge's two writes, built once (ADR 178); each returns the whole row, read as drizzle reads it.
  const value = sql.placeholder;
  const toPayment = rowOf(payments);
  const insertPending = builtOnce<Record<string, unknown>>(
    db.primary,
    db.primary
      .insert(payments)
      .values({
        id: value("id"),
        orderId: value("orderId"),
        userId: value("userId"),
        amount: value("amount"),
        currency: value("currency"),
        status: "pending",
        paymentMethodId: value("paymentMethodId"),
        provider: provider.name,
        createdAt: value("now"),
        updatedAt: value("now"),
      })
      .onConflictDoNothing({ target: payments.orderId })
      .returning()
      .getSQL(),
  );
  const recordOutcome = builtOnce<Record<string, unknown>>(
    db.primary,
    db.primary
      .update(payments)
      .set({
        status: sql`${value("status")}`,
        providerRef: sql`${value("providerRef")}`,
        declineCode: sql`${value("declineCode")}`,
        declineMessage: sql`${value("declineMessage")}`,
        updatedAt: sql`${value("updatedAt")}`,
      })
      .where(and(eq(payments.id, value("id")), eq(payments.status, "pending")))
      .returning()
      .getSQL(),
  );

  /** Inserts the pending row, or finds the order's existing one (a replay or a concurrent call). */
  async function claim(input: ChargeInput, attempts = 3): Promise<{ payment: Payment; mine: boolean }> {
    const [inserted] = (
      await insertPending({
        id: newId(),
        orderId: input.orderId,
        userId: input.customer.userId,
        amount: input.amount.amount,
        currency: input.amount.currency,
        paymentMethodId: input.paymentMethodId,
        now: clock.now(),
      })
    ).map(toPayment);
    if (inserted) return { payment: inserted, mine: true };
    const existing = await load(input.orderId);
    // Gone again: a concurrent attempt the provider refused removed its pending row. Claim afresh.
    if (existing) return { payment: existing, mine: false };
    if (attempts <= 1) throw new Error(`could not claim the payment for order ${input.orderId}`);
    return claim(input, attempts - 1);
  }

  /** Asks the provider (idempotently) and records the outcome unless another call recorded it first. */
  async function settle(payment: Payment): Promise<ChargeResult> {
    let outcome: Awaited<ReturnType<PaymentProvider["charge"]>>;
    try {
      outcome = await provider.charge({
        idempotencyKey: chargeKey(payment.orderId),
        amount: payment.amount,
        currency: payment.currency,
        paymentMethodId: payment.paymentMethodId,
        metadata: { orderId: payment.orderId, paymentId: payment.id, userId: payment.userId },
      });
    } catch (error) {
      if (error instanceof DomainError && error.kind === "BAD_REQUEST") {
        // The provider refused the request itself, so nothing was charged: the order has no payment.
        await db.primary
          .delete(payments)
          .where(and(eq(payments.id, payment.id), eq(payments.status, "pending")));
      }
      throw error;
    }
    const declined = outcome.status === "declined" ? outcome : null;
    const [recorded] = (
      await recordOutcome({
        id: payment.id,
        status: outcome.status,
        providerRef: outcome.ref,
        declineCode: declined?.declineCode ?? null,
        declineMessage: declined?.message ?? null,
        updatedAt: clock.now().toISOString(),
      })
    ).map(toPayment);
    if (recorded && declined) declines.inc({ reason: declined.declineCode });
    const final = recorded ?? (await load(payment.orderId));
    const result = final && chargeResultOf(final);
    if (!result)
      throw new Error(`the payment for order ${payment.orderId} changed while it was being charged`);
    return result;
  }

  const parseMethod = (paymentMethodId: string) => {
    const method = PaymentMethodId.safeParse(paymentMethodId);
    if (!method.success) throw paymentErrors.invalidMethod(method.error.issues[0]?.message ?? "invalid");
    return method.data;
  };

  const api: PaymentApi = {
    methods: async () => offeredMethods,

    async checkMethod(paymentMethodId) {
      await provider.checkMethod(parseMethod(paymentMethodId));
    },

    async charge(input) {
      if (!Id.safeParse(input.orderId).success) {
        throw new DomainError("BAD_REQUEST", "PAYMENT.INVALID_ORDER", "orderId: expected a UUID");
      }
      if (!Id.safeParse(input.customer.userId).success) {
        throw new DomainError("BAD_REQUEST", "PAYMENT.INVALID_CUSTOMER", "customer.userId: expected a UUID");
      }
      checkChargeAmount(input.amount.amount);
      parseMethod(input.paymentMethodId);

      const { payment, mine } = await claim(input);
      if (!mine) checkSameCharge(payment, input.amount);
      return chargeResultOf(payment) ?? settle(payment);
    },

    async refund({ orderId, reason, customer }) {
      const payment = Id.safeParse(orderId).success ? await load(orderId) : null;
      if (!payment) throw paymentErrors.notFound(orderId);
      const done = await loadRefund(orderId);
      if (done) return { refundId: done.id, amount: money(done.amount, done.currency) };
      checkRefundable(payment);
      if (!payment.providerRef)
        throw new Error(`payment ${payment.id} succeeded without a provider reference`);

      const { ref } = await provider.refund({
        idempotencyKey: refundKey(orderId),
        ref: payment.providerRef,
        amount: payment.amount,
      });
      const now = clock.now();
      const { row, fresh } = await db.primary.transaction(async (tx) => {
        const [inserted] = await tx
          .insert(refunds)
          .values({
            id: newId(),
            orderId,
            paymentId: payment.id,
            amount: payment.amount,
            currency: payment.currency,
            providerRef: ref,
            reason,
            createdAt: now,
          })
          .onConflictDoNothing({ target: refunds.orderId })
          .returning();
        if (!inserted) {
          // A concurrent call recorded the same provider refund first; its row is the answer.
          const [winner] = await tx.select().from(refunds).where(eq(refunds.orderId, orderId));
          return { row: winner!, fresh: false };
        }
        await tx
          .update(payments)
          .set({ status: "refunded", updatedAt: now })
          .where(and(eq(payments.id, payment.id), eq(payments.status, "succeeded")));
        await appendToOutbox(tx, outbox, [
          event(
            "payment.refunded@1",
            orderId,
            {
              orderId,
              userId: customer.userId,
              email: customer.email,
              refundId: inserted.id,
              amount: money(inserted.amount, inserted.currency),
            },
            clock,
          ),
        ]);
        return { row: inserted, fresh: true };
      });
      if (fresh) ports.eventsCommitted(outbox);
      return { refundId: row.id, amount: money(row.amount, row.currency) };
    },

    async find(orderId): Promise<PaymentRecord | null> {
      if (!Id.safeParse(orderId).success) return null;
      const [found] = await db.primary
        .select({ payment: payments, refundedAmount: refunds.amount })
        .from(payments)
        .leftJoin(refunds, eq(refunds.orderId, payments.orderId))
        .where(eq(payments.orderId, orderId));
      if (!found) return null;
      const { payment } = found;
      return {
        paymentId: payment.id,
        orderId: payment.orderId,
        status: payment.status,
        amount: money(payment.amount, payment.currency),
        declineCode: payment.status === "declined" ? toDeclineCode(payment.declineCode) : null,
        refundedAmount: found.refundedAmount ?? 0,
      };
    },
  };

  return { api, applyProviderEvent: providerEventApplier(ports) };
}
