import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import Stripe from "stripe";
import { event } from "../../platform/bus/outbox.ts";
import { systemClock } from "../../platform/clock.ts";
import { rowsOf } from "../../platform/db/port.ts";
import { checkout, emailKinds, readyBuyer, stockLedger } from "../../test/support/buyers.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import { failure } from "../../test/support/failure.ts";
import { startTestShop, type TestShop } from "../../test/support/shop.ts";
import { chargeKey, refundKey, simulatedLedger } from "../payment/index.ts";

const secret = "whsec_orders_follow_payments";

/** When set, the provider charges and then loses its answer (a timeout after the money moved). */
let loseAnswer = false;

describe("an order follows what the payment provider reports (signed webhooks)", () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await startTestShop({
      env: { STRIPE_WEBHOOK_SECRET: secret },
      overrides: {
        paymentProvider: (inner) => ({
          ...inner,
          charge: async (input) => {
            const outcome = await inner.charge(input);
            if (loseAnswer) throw new TypeError("fetch failed: the connection was reset");
            return outcome;
          },
        }),
      },
    });
  });
  afterAll(() => shop.stop());

  /** Posts a signed Stripe event, as Stripe would, and returns its JSON answer. */
  const deliver = async (id: string, type: string, object: Record<string, unknown>) => {
    const payload = JSON.stringify({ id, object: "event", type, created: 1, data: { object } });
    const response = await shop.fetch("/webhooks/stripe", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        "stripe-signature": await Stripe.webhooks.generateTestHeaderStringAsync({ payload, secret }),
      },
      body: payload,
    });
    expect(response.status).toBe(200);
    return response.json();
  };
  /** The same event, delivered twice (Stripe delivers at least once). */
  const deliverTwice = async (type: string, object: Record<string, unknown>) => {
    const id = `evt_${crypto.randomUUID()}`;
    expect(await deliver(id, type, object)).toEqual({ received: true, duplicate: false, applied: true });
    expect(await deliver(id, type, object)).toEqual({ received: true, duplicate: true });
    await shop.settle();
  };
  /** The bus delivers at least once too: hand every payment event to the consumers again. */
  const redeliverPaymentEvents = async () => {
    const published = rowsOf<Record<string, unknown>>(
      await shop.db.primary.execute(sql`
        select id, type, version, aggregate_id as "aggregateId", payload, occurred_at as "occurredAt"
        from payment.outbox`),
    );
    await shop.bus.publish(published as never);
    await shop.settle();
  };
  const providerRefOf = async (orderId: string) =>
    (await simulatedLedger(shop.db)).charges.find((c) => c.idempotencyKey === chargeKey(orderId))!.ref;
  const refundsOf = async (orderId: string) =>
    (await simulatedLedger(shop.db)).refunds.filter((r) => r.idempotencyKey === refundKey(orderId));

  it("makes a declined order paid when the payment succeeds after all, takes the stock again and empties the cart, once", async () => {
    const { variantIds } = await stockedProduct(shop, [3]);
    const buyer = await readyBuyer(shop, variantIds[0]!, 2);
    const declined = await failure(checkout(buyer, "pm_card_chargeDeclined"));
    expect(declined.code).toBe("PAYMENT_REQUIRED");
    const [failed] = (await buyer.client.order.list.query()).items;
    expect(failed!.status).toBe("payment_failed");
    expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 3, held: 0, sold: 0 });

    // The customer retried at the provider and it went through.
    await deliverTwice("payment_intent.succeeded", {
      id: await providerRefOf(failed!.id),
      object: "payment_intent",
      status: "succeeded",
    });
    await redeliverPaymentEvents();

    expect(await buyer.client.order.get.query({ id: failed!.id })).toMatchObject({
      status: "paid",
      statusReason: null,
    });
    expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 1, held: 0, sold: 2 });
    expect((await buyer.client.cart.get.query()).itemCount).toBe(0);
    expect(await emailKinds(shop, buyer.token)).toEqual([
      "user.registered",
      "order.payment_failed",
      "order.paid",
    ]);
    expect(await refundsOf(failed!.id)).toEqual([]);
  });

  it("refunds automatically when a payment whose answer was lost succeeds but the stock has gone meanwhile", async () => {
    const { variantIds } = await stockedProduct(shop, [2]);
    const buyer = await readyBuyer(shop, variantIds[0]!, 2);
    loseAnswer = true;
    try {
      expect((await failure(checkout(buyer))).code).toBe("PAYMENT_REQUIRED");
    } finally {
      loseAnswer = false;
    }
    const [failed] = (await buyer.client.order.list.query()).items;
    expect(failed!.status).toBe("payment_failed");
    // The stock went back at once, and someone else bought all of it.
    const rival = await readyBuyer(shop, variantIds[0]!, 2);
    await checkout(rival);

    // Stripe reports the charge the shop never heard about; only its metadata names the order.
    await deliverTwice("payment_intent.succeeded", {
      id: await providerRefOf(failed!.id),
      object: "payment_intent",
      status: "succeeded",
      metadata: { orderId: failed!.id },
    });
    await redeliverPaymentEvents();

    const order = await buyer.client.order.get.query({ id: failed!.id });
    expect(order).toMatchObject({
      status: "refunded",
      statusReason: expect.stringMatching(/after the checkout had failed.*sold out.*refunded/),
    });
    expect(await refundsOf(failed!.id)).toHaveLength(1);
    expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 0, held: 0, sold: 2 });
    expect(await emailKinds(shop, buyer.token)).toEqual([
      "user.registered",
      "order.payment_failed",
      "order.cancelled",
      "payment.refunded",
    ]);
  });

  it("ends a paid order refunded and puts its units back on the shelf after a refund from the Stripe Dashboard", async () => {
    const { variantIds, staff } = await stockedProduct(shop, [3]);
    const buyer = await readyBuyer(shop, variantIds[0]!, 2);
    const order = await checkout(buyer);
    expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 1, held: 0, sold: 2 });

    await deliverTwice("charge.refunded", {
      id: "ch_dashboard_1",
      object: "charge",
      payment_intent: await providerRefOf(order.id),
      refunded: true,
    });
    await redeliverPaymentEvents();

    expect(await buyer.client.order.get.query({ id: order.id })).toMatchObject({
      status: "refunded",
      statusReason: "refunded at the payment provider",
    });
    expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 3, held: 0, sold: 0 });
    // The money went back at Stripe: the shop does not refund a second time.
    expect(await refundsOf(order.id)).toEqual([]);
    expect(await failure(staff.order.fulfil.mutate({ id: order.id }))).toMatchObject({
      code: "CONFLICT",
      message: "cannot fulfil an order that is refunded",
    });
  });

  it("ends a shipped order refunded without restocking what left the warehouse", async () => {
    const { variantIds, staff } = await stockedProduct(shop, [3]);
    const buyer = await readyBuyer(shop, variantIds[0]!, 1);
    const order = await checkout(buyer);
    await staff.order.fulfil.mutate({ id: order.id });

    await deliverTwice("charge.refunded", {
      id: "ch_dashboard_2",
      object: "charge",
      payment_intent: await providerRefOf(order.id),
      refunded: true,
    });
    await redeliverPaymentEvents();

    expect((await buyer.client.order.get.query({ id: order.id })).status).toBe("refunded");
    expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 2, held: 0, sold: 1 });
  });

  it("leaves a paid order as it is when the provider's success arrives after the checkout's own answer", async () => {
    const { variantIds } = await stockedProduct(shop, [3]);
    const buyer = await readyBuyer(shop, variantIds[0]!, 1);
    const order = await checkout(buyer);
    // The webhook raced the charge's answer and won: the payment service announced the success.
    const payment = (await shop.services.payment.find(order.id))!;
    const announcement = event(
      "payment.succeeded_at_provider@1",
      order.id,
      {
        orderId: order.id,
        paymentId: payment.paymentId,
        userId: buyer.user.id,
        amount: payment.amount,
        previousStatus: "pending",
      },
      systemClock,
    );
    await shop.bus.publish([announcement, announcement]);
    await shop.settle();

    expect(await buyer.client.order.get.query({ id: order.id })).toEqual(order);
    expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 2, held: 0, sold: 1 });
    const [flags] = rowsOf<{ payment_check_due: boolean }>(
      await shop.db.primary.execute(sql`select payment_check_due from "order".orders where id = ${order.id}`),
    );
    expect(flags).toEqual({ payment_check_due: false });
    expect(await refundsOf(order.id)).toEqual([]);
  });
});
