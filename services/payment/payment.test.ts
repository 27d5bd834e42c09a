import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { DomainError } from "../../contracts/errors.ts";
import { type ChargeInput, DeclineCode, PaymentMethodId } from "../../contracts/payment.ts";
import { openPglite } from "../../platform/db/pglite.ts";
import type { Database } from "../../platform/db/port.ts";
import { newId } from "../../platform/ids.ts";
import { unscrapedMetrics } from "../../platform/metrics/registry.ts";
import { emptyDatabase } from "../../test/support/migrated-database.ts";
import { testPorts } from "../../test/support/ports.ts";
import { payments } from "./db/schema.ts";
import { DECLINE_MESSAGES } from "./domain/payment.ts";
import { createPaymentService, paymentOutbox, paymentProviderFrom } from "./index.ts";
import { paymentModule } from "./module.ts";
import type { PaymentProvider } from "./provider.ts";
import {
  DECLINING_TEST_METHODS,
  SUCCEEDING_TEST_METHODS,
  simulatedLedger,
  simulatedProvider,
} from "./simulated-provider.ts";

const failure = async (call: Promise<unknown>) => {
  try {
    await call;
  } catch (error) {
    if (error instanceof DomainError) return { kind: error.kind, code: error.code, message: error.message };
    throw error;
  }
  throw new Error("expected the call to fail");
};

/** Wraps a provider to count the calls that reach it. */
const counting = (inner: PaymentProvider) => {
  const calls = { charge: 0, refund: 0 };
  const provider: PaymentProvider = {
    name: inner.name,
    checkMethod: (id) => inner.checkMethod(id),
    charge: (input) => {
      calls.charge++;
      return inner.charge(input);
    },
    refund: (input) => {
      calls.refund++;
      return inner.refund(input);
    },
  };
  return { provider, calls };
};

describe("payment service (simulated provider, PGlite)", () => {
  let db: Database;
  let tested: ReturnType<typeof testPorts>;
  const service = (provider: PaymentProvider = simulatedProvider(db)) =>
    // Each service registers its own series: a registry of its own, as each process has.
    createPaymentService({ ...tested.ports, metrics: unscrapedMetrics("payment") }, { provider }).api;

  const customer = { userId: newId(), email: "ada@example.com" };
  const chargeFor = (overrides: Partial<ChargeInput> = {}): ChargeInput => ({
    orderId: newId(),
    amount: { amount: 4_990, currency: "EUR" },
    paymentMethodId: "pm_card_visa",
    customer,
    ...overrides,
  });
  const chargesFor = async (orderId: string) =>
    (await simulatedLedger(db)).charges.filter((c) => c.idempotencyKey === `charge:${orderId}`);
  const refundEvents = async (orderId: string) =>
    (await db.primary.select().from(paymentOutbox).where(eq(paymentOutbox.aggregateId, orderId))).filter(
      (e) => e.type === "payment.refunded",
    );

  beforeAll(async () => {
    db = await openPglite(undefined, { from: await emptyDatabase() });
    tested = testPorts(db, "payment");
    await db.migrate(paymentModule.migrations);
  });
  afterAll(() => db.close());

  describe("charge", () => {
    it("records a succeeded payment for Stripe's successful test cards", async () => {
      const payments = service();
      for (const paymentMethodId of SUCCEEDING_TEST_METHODS) {
        const input = chargeFor({ paymentMethodId });
        const result = await payments.charge(input);
        expect(result).toEqual({ status: "succeeded", paymentId: expect.any(String), amount: input.amount });
        expect(await payments.find(input.orderId)).toEqual({
          paymentId: result.paymentId,
          orderId: input.orderId,
          status: "succeeded",
          amount: input.amount,
          declineCode: null,
          refundedAmount: 0,
        });
      }
    });

    it("maps every documented decline test card to its decline code and Stripe's message", async () => {
      const payments = service();
      const expected: Record<string, DeclineCode> = {
        pm_card_chargeDeclined: "generic_decline",
        pm_card_chargeDeclinedInsufficientFunds: "insufficient_funds",
        pm_card_chargeDeclinedLostCard: "lost_card",
        pm_card_chargeDeclinedStolenCard: "stolen_card",
        pm_card_chargeDeclinedExpiredCard: "expired_card",
        pm_card_chargeDeclinedIncorrectCvc: "incorrect_cvc",
        pm_card_chargeDeclinedProcessingError: "processing_error",
        pm_card_chargeDeclinedVelocityLimitExceeded: "card_velocity_exceeded",
        pm_card_chargeDeclinedFraudulent: "fraudulent",
        pm_card_visa_chargeDeclinedInsufficientFunds: "insufficient_funds",
      };
      // Every code the contract knows is produced by some test card.
      expect(new Set(Object.values(DECLINING_TEST_METHODS))).toEqual(new Set(DeclineCode.options));
      for (const [paymentMethodId, declineCode] of Object.entries({
        ...DECLINING_TEST_METHODS,
        ...expected,
      })) {
        expect(DECLINING_TEST_METHODS[paymentMethodId]).toBe(declineCode);
        const input = chargeFor({ paymentMethodId });
        const result = await payments.charge(input);
        expect(result).toEqual({
          status: "declined",
          paymentId: expect.any(String),
          declineCode,
          message: DECLINE_MESSAGES[declineCode],
        });
        const record = await payments.find(input.orderId);
        expect(record?.status).toBe("declined");
        expect(record?.declineCode).toBe(declineCode);
      }
      expect(DECLINE_MESSAGES.insufficient_funds).toBe("Your card has insufficient funds.");
    });

    it("refuses an unknown payment method as a client error and keeps no payment for the order", async () => {
      const input = chargeFor({ paymentMethodId: "pm_card_doesNotExist" });
      expect(await failure(service().charge(input))).toMatchObject({
        kind: "BAD_REQUEST",
        code: "PAYMENT.UNKNOWN_METHOD",
        message: 'unknown payment method "pm_card_doesNotExist"',
      });
      expect(await service().find(input.orderId)).toBeNull();
      expect(await chargesFor(input.orderId)).toHaveLength(0);
      // The order can still be paid with a method that exists.
      const retried = await service().charge({ ...input, paymentMethodId: "pm_card_visa" });
      expect(retried.status).toBe("succeeded");
    });

    it("checks a payment method without charging: known test ids pass, unknown and malformed ones are refused", async () => {
      const { provider, calls } = counting(simulatedProvider(db));
      await service(provider).checkMethod("pm_card_visa");
      await service(provider).checkMethod("pm_card_chargeDeclined");
      expect(await failure(service(provider).checkMethod("pm_card_doesNotExist"))).toMatchObject({
        kind: "BAD_REQUEST",
        code: "PAYMENT.UNKNOWN_METHOD",
      });
      expect((await failure(service(provider).checkMethod("4242424242424242"))).code).toBe(
        "PAYMENT.INVALID_METHOD",
      );
      expect(calls.charge).toBe(0);
      expect(
        (await simulatedLedger(db)).charges.filter((c) => c.paymentMethodId === "pm_card_doesNotExist"),
      ).toEqual([]);
    });

    it("refuses card numbers before they reach the provider", async () => {
      const { provider, calls } = counting(simulatedProvider(db));
      for (const paymentMethodId of ["4242424242424242", "pm_4242424242424242"]) {
        expect(await failure(service(provider).charge(chargeFor({ paymentMethodId })))).toMatchObject({
          kind: "BAD_REQUEST",
          code: "PAYMENT.INVALID_METHOD",
        });
      }
      expect(calls.charge).toBe(0);
    });

    it("refuses a zero, negative or fractional amount", async () => {
      for (const amount of [0, -100, 12.5]) {
        const input = chargeFor({ amount: { amount, currency: "EUR" } });
        expect(await failure(service().charge(input))).toMatchObject({
          kind: "BAD_REQUEST",
          code: "PAYMENT.INVALID_AMOUNT",
        });
        expect(await service().find(input.orderId)).toBeNull();
      }
    });

    it("charges once when ten calls for one order race, and gives each the same answer", async () => {
      const { provider, calls } = counting(simulatedProvider(db));
      const payments = service(provider);
      const input = chargeFor();
      const results = await Promise.all(Array.from({ length: 10 }, () => payments.charge(input)));
      expect(new Set(results.map((r) => JSON.stringify(r))).size).toBe(1);
      expect(results[0]!.status).toBe("succeeded");
      expect(await chargesFor(input.orderId)).toHaveLength(1);
      expect(calls.charge).toBeGreaterThanOrEqual(1);
    });

    it("charges once when two service instances (two processes) race for one order", async () => {
      const input = chargeFor({ paymentMethodId: "pm_card_chargeDeclinedInsufficientFunds" });
      const results = await Promise.all(
        Array.from({ length: 6 }, (_, i) =>
          service(simulatedProvider(db))
            .charge(input)
            .then((r) => [i, r] as const),
        ),
      );
      expect(new Set(results.map(([, r]) => JSON.stringify(r))).size).toBe(1);
      expect(results[0]![1]).toMatchObject({ status: "declined", declineCode: "insufficient_funds" });
      expect(await chargesFor(input.orderId)).toHaveLength(1);
    });

    it("returns the recorded outcome on a replay without calling the provider again", async () => {
      const input = chargeFor();
      const first = await service().charge(input);
      const { provider, calls } = counting(simulatedProvider(db));
      const again = await service(provider).charge(input);
      expect(again).toEqual(first);
      expect(calls.charge).toBe(0);

      const declinedInput = chargeFor({ paymentMethodId: "pm_card_chargeDeclined" });
      const declined = await service().charge(declinedInput);
      // Even with another card: the order's one charge was declined, and that is its answer.
      expect(await service(provider).charge({ ...declinedInput, paymentMethodId: "pm_card_visa" })).toEqual(
        declined,
      );
      expect(calls.charge).toBe(0);
    });

    it("refuses a second charge for the same order with a different amount or currency", async () => {
      const input = chargeFor();
      await service().charge(input);
      for (const amount of [
        { amount: 5_000, currency: "EUR" as const },
        { amount: 4_990, currency: "USD" as const },
      ]) {
        expect(await failure(service().charge({ ...input, amount }))).toMatchObject({
          kind: "CONFLICT",
          code: "PAYMENT.AMOUNT_MISMATCH",
        });
      }
      expect(await chargesFor(input.orderId)).toHaveLength(1);
    });

    it("resumes a charge whose answer was lost (crash after the provider charged) without charging twice", async () => {
      const inner = simulatedProvider(db);
      const lostAnswer: PaymentProvider = {
        ...inner,
        charge: async (request) => {
          await inner.charge(request);
          throw new Error("connection reset after the provider charged");
        },
      };
      const input = chargeFor();
      await expect(service(lostAnswer).charge(input)).rejects.toThrow("connection reset");
      expect((await service().find(input.orderId))?.status).toBe("pending");

      const resumed = await service().charge(input);
      expect(resumed.status).toBe("succeeded");
      expect(await chargesFor(input.orderId)).toHaveLength(1);
      const [row] = await db.primary.select().from(payments).where(eq(payments.orderId, input.orderId));
      expect(row?.providerRef).toBe((await chargesFor(input.orderId))[0]!.ref);
    });
  });

  describe("refund", () => {
    it("refunds once however often it is asked, with one payment.refunded event", async () => {
      const input = chargeFor();
      const charged = await service().charge(input);
      const { provider, calls } = counting(simulatedProvider(db));
      const before = tested.commits();

      const first = await service(provider).refund({ orderId: input.orderId, reason: "cancelled", customer });
      const second = await service(provider).refund({
        orderId: input.orderId,
        reason: "cancelled",
        customer,
      });

      expect(first).toEqual({ refundId: expect.any(String), amount: input.amount });
      expect(second).toEqual(first);
      expect(calls.refund).toBe(1);
      expect(
        (await simulatedLedger(db)).refunds.filter((r) => r.idempotencyKey === `refund:${input.orderId}`),
      ).toHaveLength(1);
      expect(tested.commits()).toBe(before + 1);

      const events = await refundEvents(input.orderId);
      expect(events).toHaveLength(1);
      expect(events[0]).toMatchObject({
        type: "payment.refunded",
        version: 1,
        aggregateId: input.orderId,
        payload: {
          orderId: input.orderId,
          userId: customer.userId,
          email: customer.email,
          refundId: first.refundId,
          amount: { amount: 4_990, currency: "EUR" },
        },
      });
      expect(await service().find(input.orderId)).toEqual({
        paymentId: charged.paymentId,
        orderId: input.orderId,
        status: "refunded",
        amount: input.amount,
        declineCode: null,
        refundedAmount: 4_990,
      });
      // The charge itself still reads as the success it was, and is not repeated.
      expect(await service(provider).charge(input)).toEqual(charged);
      expect(calls.charge).toBe(0);
    });

    it("refunds once when concurrent refunds race", async () => {
      const input = chargeFor();
      await service().charge(input);
      const results = await Promise.all(
        Array.from({ length: 5 }, () => service().refund({ orderId: input.orderId, reason: "x", customer })),
      );
      expect(new Set(results.map((r) => r.refundId)).size).toBe(1);
      expect(await refundEvents(input.orderId)).toHaveLength(1);
      expect(
        (await simulatedLedger(db)).refunds.filter((r) => r.idempotencyKey === `refund:${input.orderId}`),
      ).toHaveLength(1);
    });

    it("refuses to refund a declined payment", async () => {
      const input = chargeFor({ paymentMethodId: "pm_card_chargeDeclinedLostCard" });
      await service().charge(input);
      expect(await failure(service().refund({ orderId: input.orderId, reason: "x", customer }))).toEqual({
        kind: "CONFLICT",
        code: "PAYMENT.NOT_REFUNDABLE",
        message: `cannot refund order ${input.orderId}: its payment is declined, only a succeeded payment can be refunded`,
      });
      expect(await refundEvents(input.orderId)).toHaveLength(0);
    });

    it("answers NOT_FOUND for an order that was never charged", async () => {
      const orderId = newId();
      expect(await failure(service().refund({ orderId, reason: "x", customer }))).toMatchObject({
        kind: "NOT_FOUND",
        code: "PAYMENT.NOT_FOUND",
      });
    });
  });

  describe("find", () => {
    it("returns null for an order never charged, and never charges", async () => {
      const { provider, calls } = counting(simulatedProvider(db));
      const orderId = newId();
      expect(await service(provider).find(orderId)).toBeNull();
      expect(await service(provider).find("not-a-uuid")).toBeNull();
      expect(calls).toEqual({ charge: 0, refund: 0 });
      expect(await chargesFor(orderId)).toHaveLength(0);
    });

    it("reports a pending payment as pending without finishing it", async () => {
      const failing: PaymentProvider = {
        ...simulatedProvider(db),
        charge: async () => {
          throw new Error("provider unreachable");
        },
      };
      const input = chargeFor();
      await expect(service(failing).charge(input)).rejects.toThrow("provider unreachable");
      const { provider, calls } = counting(simulatedProvider(db));
      expect((await service(provider).find(input.orderId))?.status).toBe("pending");
      expect(calls.charge).toBe(0);
      expect(await chargesFor(input.orderId)).toHaveLength(0);
      expect(
        await failure(service().refund({ orderId: input.orderId, reason: "x", customer })),
      ).toMatchObject({
        kind: "CONFLICT",
        code: "PAYMENT.NOT_REFUNDABLE",
      });
    });
  });

  it("picks the simulated provider by default and Stripe when configured", () => {
    expect(
      paymentProviderFrom({ PAYMENT_PROVIDER: "simulated", STRIPE_SECRET_KEY: undefined }, { db }).name,
    ).toBe("simulated");
    expect(
      paymentProviderFrom({ PAYMENT_PROVIDER: "stripe", STRIPE_SECRET_KEY: "sk_test_abc" }, { db }).name,
    ).toBe("stripe");
    expect(() =>
      paymentProviderFrom({ PAYMENT_PROVIDER: "stripe", STRIPE_SECRET_KEY: undefined }, { db }),
    ).toThrow("STRIPE_SECRET_KEY");
  });
});

describe("PaymentMethodId (contract)", () => {
  it("accepts Stripe-style payment method ids", () => {
    for (const id of ["pm_card_visa", "pm_card_chargeDeclinedInsufficientFunds", "pm_1PqRsT2eZvKYlo2C"]) {
      expect(PaymentMethodId.safeParse(id).success).toBe(true);
    }
  });

  it("refuses card numbers, bare or dressed as an id", () => {
    for (const id of ["4242424242424242", "pm_4242424242424242", "pm_card_4242424242424242"]) {
      expect(PaymentMethodId.safeParse(id).success).toBe(false);
    }
  });
});
