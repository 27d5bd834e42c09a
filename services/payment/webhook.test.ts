import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { eq } from "drizzle-orm";
import { Hono } from "hono";
import Stripe from "stripe";
import { openPglite } from "../../platform/db/pglite.ts";
import type { Database } from "../../platform/db/port.ts";
import { newId } from "../../platform/ids.ts";
import { payments, webhookEvents } from "./db/schema.ts";
import type { PaymentStatus } from "./domain/payment.ts";
import { paymentModule } from "./index.ts";
import { mountStripeWebhook, type WebhookApplied } from "./webhook.ts";

const secret = "whsec_test_secret";

describe("POST /webhooks/stripe", () => {
  let db: Database;
  let app: Hono;
  const notified: { id: string; applied: WebhookApplied | null }[] = [];

  beforeAll(async () => {
    db = await openPglite();
    await db.migrate(paymentModule.migrations);
    app = new Hono();
    mountStripeWebhook(app, {
      secret,
      db,
      onEvent: (event, applied) => notified.push({ id: event.id, applied }),
    });
  });
  afterAll(() => db.close());

  /** A payment as the service leaves it after the provider answered: matched by its PaymentIntent id. */
  const paymentWith = async (status: PaymentStatus) => {
    const ref = `pi_${crypto.randomUUID().replaceAll("-", "")}`;
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
        providerRef: ref,
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

  const stripeEvent = (type: string, object: Record<string, unknown>, id = `evt_${crypto.randomUUID()}`) =>
    JSON.stringify({ id, object: "event", type, api_version: "2025-01-01", created: 1, data: { object } });

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

  it("marks a pending payment succeeded on payment_intent.succeeded", async () => {
    const payment = await paymentWith("pending");
    const payload = stripeEvent("payment_intent.succeeded", {
      id: payment.providerRef,
      object: "payment_intent",
    });
    const response = await deliver(payload, await signed(payload));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, duplicate: false, applied: true });
    expect((await statusOf(payment.id)).status).toBe("succeeded");
  });

  it("marks a pending payment declined with the decline reason on payment_intent.payment_failed", async () => {
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
  });

  it("marks a succeeded payment refunded on charge.refunded, matched by its PaymentIntent", async () => {
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
    expect(notified.at(-1)?.applied).toEqual({
      paymentId: payment.id,
      orderId: payment.orderId,
      from: "succeeded",
      to: "refunded",
    });
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
    const before = notified.length;

    const again = await deliver(payload, await signed(payload));
    expect(again.status).toBe(200);
    expect(await again.json()).toEqual({ received: true, duplicate: true });
    expect((await statusOf(payment.id)).status).toBe("succeeded");
    expect(notified.length).toBe(before);
    expect(await recorded(id)).toHaveLength(1);
  });

  it("acknowledges events it does not track without touching any payment", async () => {
    const payload = stripeEvent("customer.created", { id: "cus_1", object: "customer" });
    const response = await deliver(payload, await signed(payload));
    expect(response.status).toBe(200);
    expect(await response.json()).toEqual({ received: true, duplicate: false, applied: false });
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

  it("still accepts a signature four minutes old", async () => {
    const payment = await paymentWith("pending");
    const payload = stripeEvent("payment_intent.succeeded", {
      id: payment.providerRef,
      object: "payment_intent",
    });
    const fourMinutesAgo = Math.floor(Date.now() / 1000) - 240;
    expect((await deliver(payload, await signed(payload, { timestamp: fourMinutesAgo }))).status).toBe(200);
    expect((await statusOf(payment.id)).status).toBe("succeeded");
  });
});
