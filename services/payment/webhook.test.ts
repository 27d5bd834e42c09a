import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import Stripe from "stripe";
import { openPglite } from "../../platform/db/pglite.ts";
import type { Database } from "../../platform/db/port.ts";
import { newId } from "../../platform/ids.ts";
import { emptyDatabase } from "../../test/support/migrated-database.ts";
import { testPorts } from "../../test/support/ports.ts";
import { outbox, payments, webhookEvents } from "./db/schema.ts";
import type { PaymentStatus } from "./domain/payment.ts";
import { createPaymentService } from "./index.ts";
import { paymentModule } from "./module.ts";
import { simulatedProvider } from "./simulated-provider.ts";
import { mountStripeWebhook, WEBHOOK_MAX_BYTES } from "./webhook.ts";

const secret = "whsec_test_secret";

describe("POST /webhooks/stripe", () => {
  let db: Database;
  let app: Hono;
  let commits: () => number;

  beforeAll(async () => {
    db = await openPglite(undefined, { from: await emptyDatabase() });
    await db.migrate(paymentModule.migrations);
    const tested = testPorts(db, "payment");
    commits = tested.commits;
    app = new Hono();
    mountStripeWebhook(app, {
      secret,
      payments: createPaymentService(tested.ports, { provider: simulatedProvider(db) }),
    });
  });
  afterAll(() => db.close());

  /** A payment as the service leaves it after the provider answered: matched by its PaymentIntent id. */
  const paymentWith = async (status: PaymentStatus, { ref = true } = {}) => {
    const now = new Date();
    const [row] = await db.primary
      .insert(payments)
      .values({
        id: newId(),
        orderId: newId(),
        userId: newId(),
        amount: 4990,
        currency: "EUR",
        status,
        paymentMethodId: "pm_card_visa",
        provider: "stripe",
        providerRef: ref ? `pi_${crypto.randomUUID().replaceAll("-", "")}` : null,
        createdAt: now,
        updatedAt: now,
      })
      .returning();
    return row!;
  };
  const statusOf = async (id: string) =>
    (await db.primary.select().from(payments).where(eq(payments.id, id)))[0]!;
  const recorded = async (eventId: string) =>
    db.primary.select().from(webhookEvents).where(eq(webhookEvents.id, eventId));
  const announced = async (orderId: string) =>
    (await db.primary.select().from(outbox).where(eq(outbox.aggregateId, orderId))).map((e) => ({
      type: e.type,
      version: e.version,
      payload: e.payload,
    }));

  const stripeEvent = (
    type: string,
    object: Record<string, unknown>,
    id: unknown = `evt_${crypto.randomUUID()}`,
  ) => JSON.stringify({ id, object: "event", type, api_version: "2025-01-01", created: 1, data: { object } });

  // The sync generateTestHeaderString needs Node's crypto; under Bun the SDK's web build signs with
  // SubtleCrypto, which is async only.
  const signed = (payload: string, options: { secret?: string; timestamp?: number } = {}) =>
    Stripe.webhooks.generateTestHeaderStringAsync({
      payload,
      secret: options.secret ?? secret,
      ...(options.timestamp !== undefined && { timestamp: options.timestamp }),
    });

  const deliver = (payload: string, signature: string | null) =>
    app.request("/webhooks/stripe", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        ...(signature !== null && { "stripe-signature": signature }),
      },
      body: payload,
    });

  it("marks a pending payment succeeded on payment_intent.succeeded and tells the order", async () => {
    const payment = await paymentWith("pending");
    const payload = stripeEvent("payment_intent.succeeded", {
      id: payment.providerRef,
      object: "payment_intent",
    });
    const before = commits();
    const response = await deliver(payload, await signed(payload));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, duplicate: false, applied: true });
    expect((await statusOf(payment.id)).status).toBe("succeeded");
    expect(await announced(payment.orderId)).toEqual([
      {
        type: "payment.succeeded_at_provider",
        version: 1,
        payload: {
          orderId: payment.orderId,
          paymentId: payment.id,
          userId: payment.userId,
          amount: { amount: 4990, currency: "EUR" },
          previousStatus: "pending",
        },
      },
    ]);
    expect(commits()).toBe(before + 1);
  });

  it("matches a payment whose charge answer was lost by the order id in the PaymentIntent's metadata", async () => {
    const payment = await paymentWith("pending", { ref: false });
    const payload = stripeEvent("payment_intent.succeeded", {
      id: "pi_found_by_metadata",
      object: "payment_intent",
      metadata: { orderId: payment.orderId },
    });
    expect(await (await deliver(payload, await signed(payload))).json()).toMatchObject({ applied: true });
    expect(await statusOf(payment.id)).toMatchObject({
      status: "succeeded",
      providerRef: "pi_found_by_metadata",
    });
  });

  it("marks a pending payment declined with the decline reason on payment_intent.payment_failed, and tells nobody", async () => {
    const payment = await paymentWith("pending");
    const payload = stripeEvent("payment_intent.payment_failed", {
      id: payment.providerRef,
      object: "payment_intent",
      last_payment_error: {
        type: "card_error",
        code: "card_declined",
        decline_code: "stolen_card",
        message: "Your card was declined.",
      },
    });
    expect((await deliver(payload, await signed(payload))).status).toBe(200);
    expect(await statusOf(payment.id)).toMatchObject({
      status: "declined",
      declineCode: "stolen_card",
      declineMessage: "Your card was declined.",
    });
    expect(await announced(payment.orderId)).toEqual([]);
  });

  it("marks a succeeded payment refunded on charge.refunded, matched by its PaymentIntent, and tells the order", async () => {
    const payment = await paymentWith("succeeded");
    const payload = stripeEvent("charge.refunded", {
      id: "ch_1",
      object: "charge",
      payment_intent: payment.providerRef,
      refunded: true,
      amount_refunded: 4990,
    });
    expect((await deliver(payload, await signed(payload))).status).toBe(200);
    expect((await statusOf(payment.id)).status).toBe("refunded");
    expect((await announced(payment.orderId)).map((e) => e.type)).toEqual(["payment.refunded_at_provider"]);
  });

  it("ignores a partial refund (the shop only refunds in full)", async () => {
    const payment = await paymentWith("succeeded");
    const payload = stripeEvent("charge.refunded", {
      id: "ch_partial",
      object: "charge",
      payment_intent: payment.providerRef,
      refunded: false,
      amount_refunded: 100,
    });
    expect(await (await deliver(payload, await signed(payload))).json()).toMatchObject({ applied: false });
    expect((await statusOf(payment.id)).status).toBe("succeeded");
  });

  it("does not let a late failure undo a success (events arrive out of order)", async () => {
    const payment = await paymentWith("succeeded");
    const payload = stripeEvent("payment_intent.payment_failed", {
      id: payment.providerRef,
      object: "payment_intent",
    });
    const response = await deliver(payload, await signed(payload));
    expect(await response.json()).toEqual({ received: true, duplicate: false, applied: false });
    expect((await statusOf(payment.id)).status).toBe("succeeded");
  });

  it("answers a redelivered event id with duplicate: true and does nothing", async () => {
    const payment = await paymentWith("succeeded");
    const id = `evt_${crypto.randomUUID()}`;
    const payload = stripeEvent(
      "charge.refunded",
      { id: "ch_2", object: "charge", payment_intent: payment.providerRef, refunded: true },
      id,
    );
    expect((await deliver(payload, await signed(payload))).status).toBe(200);
    // Put the payment back so a second application would be visible.
    await db.primary.update(payments).set({ status: "succeeded" }).where(eq(payments.id, payment.id));

    const again = await deliver(payload, await signed(payload));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect((await statusOf(payment.id)).status).toBe("succeeded");
    expect(await announced(payment.orderId)).toHaveLength(1);
    expect(await recorded(id)).toHaveLength(1);
  });

  it("acknowledges event types it does not track without recording them", async () => {
    const id = `evt_${crypto.randomUUID()}`;
    for (const type of ["customer.created", "constructor", "__proto__"]) {
      const payload = stripeEvent(type, { id: "cus_1", object: "customer" }, id);
      const response = await deliver(payload, await signed(payload));
      expect(response.status).toBe(200);
      expect(await response.json()).toEqual({ received: true, duplicate: false, applied: false });
    }
    expect(await recorded(id)).toHaveLength(0);
  });

  describe("refuses unverifiable requests with 400", () => {
    const attempt = async (response: Response, payment: { id: string }, eventId: string) => {
      expect(response.status).toBe(400);
      const body = (await response.json()) as { received: boolean; error: string };
      expect(body.received).toBe(false);
      expect((await statusOf(payment.id)).status).toBe("pending");
      expect(await recorded(eventId)).toHaveLength(0);
      return body.error;
    };
    const pendingEvent = async () => {
      const payment = await paymentWith("pending");
      const id = `evt_${crypto.randomUUID()}`;
      const payload = stripeEvent(
        "payment_intent.succeeded",
        { id: payment.providerRef, object: "payment_intent" },
        id,
      );
      return { payment, id, payload };
    };

    it("a body changed after signing", async () => {
      const { payment, id, payload } = await pendingEvent();
      const tampered = payload.replace('"object":"payment_intent"', '"object":"payment_intent","amount":1');
      const error = await attempt(await deliver(tampered, await signed(payload)), payment, id);
      expect(error).toStartWith("webhook signature verification failed: No signatures found matching");
    });

    it("a signature made with another secret", async () => {
      const { payment, id, payload } = await pendingEvent();
      const error = await attempt(
        await deliver(payload, await signed(payload, { secret: "whsec_someone_else" })),
        payment,
        id,
      );
      expect(error).toContain("No signatures found matching");
    });

    it("a signature older than five minutes (a replay)", async () => {
      const { payment, id, payload } = await pendingEvent();
      const sixMinutesAgo = Math.floor(Date.now() / 1000) - 360;
      const error = await attempt(
        await deliver(payload, await signed(payload, { timestamp: sixMinutesAgo })),
        payment,
        id,
      );
      expect(error).toContain("Timestamp outside the tolerance zone");
    });

    it("a signature dated ten minutes in the future", async () => {
      const { payment, id, payload } = await pendingEvent();
      const tenMinutesAhead = Math.floor(Date.now() / 1000) + 600;
      const error = await attempt(
        await deliver(payload, await signed(payload, { timestamp: tenMinutesAhead })),
        payment,
        id,
      );
      expect(error).toContain("Timestamp outside the tolerance zone");
    });

    it("no Stripe-Signature header", async () => {
      const { payment, id, payload } = await pendingEvent();
      expect(await attempt(await deliver(payload, null), payment, id)).toBe(
        "missing Stripe-Signature header",
      );
    });

    it("a malformed Stripe-Signature header", async () => {
      const { payment, id, payload } = await pendingEvent();
      const error = await attempt(await deliver(payload, "garbage"), payment, id);
      expect(error).toStartWith("webhook signature verification failed:");
    });
  });

  describe("refuses signed events it cannot read with 400, not 500", () => {
    const withoutId = (payload: string) => {
      const { id: _, ...rest } = JSON.parse(payload);
      return JSON.stringify(rest);
    };
    for (const [what, id] of [
      ["a missing id", null],
      ["a numeric id", 42],
      ["an object for an id", { nested: true }],
      ["an empty id", ""],
    ] as const) {
      it(`an event with ${what}`, async () => {
        const payment = await paymentWith("pending");
        const event = stripeEvent("payment_intent.succeeded", { id: payment.providerRef }, id);
        const payload = id === null ? withoutId(event) : event;
        const response = await deliver(payload, await signed(payload));
        expect(response.status).toBe(400);
        expect(((await response.json()) as { error: string }).error).toStartWith("not a Stripe event: id:");
        expect((await statusOf(payment.id)).status).toBe("pending");
      });
    }

    it("a PaymentIntent without an id, and a body that is not an event at all", async () => {
      for (const payload of [
        stripeEvent("payment_intent.succeeded", { object: "payment_intent" }),
        stripeEvent("charge.refunded", { id: "ch_3", refunded: "yes" }),
        JSON.stringify([1, 2, 3]),
        "null",
      ]) {
        const response = await deliver(payload, await signed(payload));
        expect(response.status).toBe(400);
        expect(((await response.json()) as { received: boolean }).received).toBe(false);
      }
    });
  });

  it("answers 413 to a body over 64 KiB before looking at it", async () => {
    const payment = await paymentWith("pending");
    const payload = stripeEvent("payment_intent.succeeded", {
      id: payment.providerRef,
      object: "payment_intent",
      padding: "x".repeat(WEBHOOK_MAX_BYTES),
    });
    const response = await deliver(payload, await signed(payload));
    expect(response.status).toBe(413);
    expect(await response.json()).toEqual({
      received: false,
      error: `webhook body exceeds ${WEBHOOK_MAX_BYTES} bytes`,
    });
    expect((await statusOf(payment.id)).status).toBe("pending");
  });

  it("still accepts a signature four minutes old, or four minutes ahead (clock skew)", async () => {
    for (const skew of [-240, 240]) {
      const payment = await paymentWith("pending");
      const payload = stripeEvent("payment_intent.succeeded", {
        id: payment.providerRef,
        object: "payment_intent",
      });
      const timestamp = Math.floor(Date.now() / 1000) + skew;
      expect((await deliver(payload, await signed(payload, { timestamp }))).status).toBe(200);
      expect((await statusOf(payment.id)).status).toBe("succeeded");
    }
  });
});
