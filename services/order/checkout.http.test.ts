import { afterAll, beforeAll, expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { rowsOf } from "../../platform/db/port.ts";
import { address, checkout, emailKinds, readyBuyer, stockLedger } from "../../test/support/buyers.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import { failure } from "../../test/support/failure.ts";
import { mutationBody, startTestShop, type TestShop } from "../../test/support/shop.ts";
import { describeShop } from "../../test/support/target.ts";
import { simulatedLedger } from "../payment/index.ts";

const key = () => `checkout-${crypto.randomUUID()}`;

describeShop("checkout over HTTP", () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await startTestShop();
  });
  afterAll(() => shop.stop());

  it("turns the cart into a paid order priced by the server, empties the cart and sends one confirmation", async () => {
    const { variantIds } = await stockedProduct(shop, [5], 2500);
    const buyer = await readyBuyer(shop, variantIds[0]!, 2);
    const cart = await buyer.client.cart.get.query();

    const order = await checkout(buyer);
    expect(order).toMatchObject({
      status: "paid",
      subtotal: { amount: 5000, currency: "EUR" },
      shipping: cart.shipping,
      tax: cart.tax,
      total: cart.total,
      shippingAddress: expect.objectContaining({ city: "Berlin", country: "DE" }),
      lines: [
        expect.objectContaining({
          variantId: variantIds[0],
          quantity: 2,
          unitPrice: { amount: 2500, currency: "EUR" },
        }),
      ],
    });
    expect((await buyer.client.cart.get.query()).lines).toEqual([]);
    expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 3, held: 0, sold: 2 });
    expect(await buyer.client.order.get.query({ id: order.id })).toEqual(order);
    expect((await buyer.client.order.list.query()).items.map((o) => o.id)).toEqual([order.id]);
    expect(await emailKinds(shop, buyer.token)).toEqual(["user.registered", "order.paid"]);
  });

  it("lets 50 buyers race for 10 units: exactly 10 paid orders, 40 clean conflicts, nothing negative or orphaned", async () => {
    const { product, variantIds } = await stockedProduct(shop, [10]);
    const variantId = variantIds[0]!;
    const buyers = await Promise.all(Array.from({ length: 50 }, () => readyBuyer(shop, variantId)));

    const results = await Promise.allSettled(buyers.map((b) => checkout(b)));
    const paid = results.filter((r) => r.status === "fulfilled");
    const refused = results.flatMap((r) =>
      r.status === "rejected" ? [r.reason as Error & { data?: { code?: string } }] : [],
    );
    expect(paid).toHaveLength(10);
    expect(paid.every((r) => r.value.status === "paid")).toBe(true);
    expect(refused).toHaveLength(40);
    for (const error of refused) {
      expect(error.data?.code).toBe("CONFLICT");
      expect(error.message).toMatch(/sold out|only \d+ left/);
    }
    expect(await stockLedger(shop, variantId)).toEqual({ stock: 0, held: 0, sold: 10 });
    expect((await shop.client().product.get.query({ id: product.id })).inStock).toBe(false);
    const charges = (await simulatedLedger(shop.db)).charges.filter((c) =>
      paid.some((p) => c.idempotencyKey.endsWith(p.value.id)),
    );
    expect(charges).toHaveLength(10);
  });

  it("lets 20 buyers of two items, added in either order, race for 4 of one: 4 paid orders holding both, no deadlock", async () => {
    const { variantIds } = await stockedProduct(shop, [4, 100]);
    const [scarce, plenty] = variantIds as [string, string];
    const buyers = await Promise.all(
      Array.from({ length: 20 }, async (_, i) => {
        const [first, second] = i % 2 ? [scarce, plenty] : [plenty, scarce];
        const buyer = await readyBuyer(shop, first);
        await buyer.client.cart.addItem.mutate({ variantId: second, quantity: 1 });
        return buyer;
      }),
    );

    const results = await Promise.allSettled(buyers.map((b) => checkout(b)));
    const paid = results.flatMap((r) => (r.status === "fulfilled" ? [r.value] : []));
    const refused = results.flatMap((r) =>
      r.status === "rejected" ? [r.reason as Error & { data?: { code?: string } }] : [],
    );
    expect(paid).toHaveLength(4);
    expect(refused.map((e) => e.data?.code)).toEqual(Array(16).fill("CONFLICT"));
    expect(paid.every((o) => o.lines.length === 2)).toBe(true);
    expect(await stockLedger(shop, scarce)).toEqual({ stock: 0, held: 0, sold: 4 });
    expect(await stockLedger(shop, plenty)).toEqual({ stock: 96, held: 0, sold: 4 });
  });

  it("charges the price the product has in its database, even while the cart still shows a cached one", async () => {
    const { variantIds } = await stockedProduct(shop, [5], 2500);
    const buyer = await readyBuyer(shop, variantIds[0]!);
    expect((await buyer.client.cart.get.query()).subtotal.amount).toBe(2500);
    // A price written past the product service: nothing tells its caches, which still hold 2500.
    await shop.db.primary.execute(sql`update product.variants set price = 2700 where id = ${variantIds[0]}`);
    expect((await buyer.client.cart.get.query()).subtotal.amount).toBe(2500);

    const order = await checkout(buyer);
    expect(order).toMatchObject({
      subtotal: { amount: 2700 },
      lines: [expect.objectContaining({ unitPrice: { amount: 2700, currency: "EUR" } })],
    });
  });

  it("returns the same order for the same key sent five times at once, and charges once", async () => {
    const { variantIds } = await stockedProduct(shop, [5]);
    const buyer = await readyBuyer(shop, variantIds[0]!);
    const input = { idempotencyKey: key(), addressId: buyer.addressId, paymentMethodId: "pm_card_visa" };
    const orders = await Promise.all(
      Array.from({ length: 5 }, () => buyer.client.order.checkout.mutate(input)),
    );
    expect(new Set(orders.map((o) => o.id)).size).toBe(1);
    expect(orders.every((o) => o.status === "paid")).toBe(true);
    const { charges } = await simulatedLedger(shop.db);
    expect(charges.filter((c) => c.idempotencyKey === `charge:${orders[0]!.id}`)).toHaveLength(1);
    expect((await buyer.client.order.list.query()).items).toHaveLength(1);
    expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 4, held: 0, sold: 1 });

    const replay = await buyer.client.order.checkout.mutate(input);
    expect(replay.id).toBe(orders[0]!.id);
    const changed = await failure(
      buyer.client.order.checkout.mutate({ ...input, paymentMethodId: "pm_card_mastercard" }),
    );
    expect(changed).toMatchObject({
      code: "CONFLICT",
      message: expect.stringContaining("already used for a different checkout"),
    });
  });

  it("puts the stock back after a decline, marks the order payment_failed and sends only the failure email", async () => {
    const { variantIds } = await stockedProduct(shop, [3]);
    const buyer = await readyBuyer(shop, variantIds[0]!, 2);
    const declined = await failure(checkout(buyer, "pm_card_chargeDeclinedInsufficientFunds"));
    expect(declined.code).toBe("PAYMENT_REQUIRED");
    expect(declined.data).toMatchObject({
      reason: "ORDER.PAYMENT_DECLINED",
      details: { orderId: expect.any(String) },
    });
    expect(declined.message).toMatch(/insufficient funds/i);
    const [order] = (await buyer.client.order.list.query()).items;
    expect(order).toMatchObject({
      status: "payment_failed",
      statusReason: expect.stringMatching(/insufficient funds/i),
    });
    expect(await stockLedger(shop, variantIds[0]!)).toEqual({ stock: 3, held: 0, sold: 0 });
    expect((await buyer.client.cart.get.query()).itemCount).toBe(2);
    expect(await emailKinds(shop, buyer.token)).toEqual(["user.registered", "order.payment_failed"]);
  });

  it("takes a shipping address in the request, a shipping option, and refuses an empty cart", async () => {
    const { variantIds } = await stockedProduct(shop, [5], 7000);
    const buyer = await readyBuyer(shop, variantIds[0]!);
    const order = await buyer.client.order.checkout.mutate({
      idempotencyKey: key(),
      shippingAddress: { ...address, country: "FR" },
      shippingOptionId: "express",
      paymentMethodId: "pm_card_visa",
    });
    expect(order).toMatchObject({
      shipping: { amount: 1290 },
      total: { amount: 8290 },
      shippingOption: { id: "express" },
    });
    expect(order.tax.amount).toBe(Math.round((8290 * 20) / 120)); // France: 20 %
    expect(await failure(checkout(buyer))).toMatchObject({
      code: "BAD_REQUEST",
      message: "your cart is empty",
    });
  });

  it("refuses a price or total sent by the client, and raw card numbers", async () => {
    const { variantIds } = await stockedProduct(shop, [5]);
    const buyer = await readyBuyer(shop, variantIds[0]!);
    const post = (body: unknown) =>
      shop.fetch("/api/order/trpc/checkout", {
        method: "POST",
        headers: { "content-type": "application/json", authorization: `Bearer ${buyer.token}` },
        body: mutationBody(body),
      });
    const base = { idempotencyKey: key(), addressId: buyer.addressId, paymentMethodId: "pm_card_visa" };
    const withTotal = await post({ ...base, total: { amount: 1, currency: "EUR" } });
    expect(withTotal.status).toBe(400);
    expect(await withTotal.text()).toContain("total");
    const withCard = await post({ ...base, paymentMethodId: "4242424242424242" });
    expect(withCard.status).toBe(400);
    expect((await buyer.client.order.list.query()).items).toEqual([]);
  });

  it("keeps every customer out of other customers' orders and addresses", async () => {
    const { variantIds } = await stockedProduct(shop, [5]);
    const owner = await readyBuyer(shop, variantIds[0]!);
    const order = await checkout(owner);
    const other = await readyBuyer(shop, variantIds[0]!);
    expect((await failure(other.client.order.get.query({ id: order.id }))).code).toBe("NOT_FOUND");
    expect((await failure(other.client.order.cancel.mutate({ id: order.id }))).code).toBe("NOT_FOUND");
    expect((await failure(other.client.order.fulfil.mutate({ id: order.id }))).code).toBe("FORBIDDEN");
    expect(await failure(other.client.order.listAll.query({}))).toMatchObject({ code: "FORBIDDEN" });
    expect((await other.client.order.list.query()).items).toEqual([]);
    const stolenAddress = await failure(
      other.client.order.checkout.mutate({
        idempotencyKey: key(),
        addressId: owner.addressId,
        paymentMethodId: "pm_card_visa",
      }),
    );
    expect(stolenAddress.code).toBe("NOT_FOUND");
    expect(
      (
        await failure(
          shop.client().order.checkout.mutate({
            idempotencyKey: key(),
            addressId: owner.addressId,
            paymentMethodId: "pm_card_visa",
          }),
        )
      ).code,
    ).toBe("UNAUTHORIZED");
    expect((await owner.client.order.get.query({ id: order.id })).status).toBe("paid");
  });

  it("cancels a paid order: refund, stock back, cancellation and refund emails; a fulfilled one cannot be cancelled", async () => {
    const { product, variantIds, staff } = await stockedProduct(shop, [2]);
    const buyer = await readyBuyer(shop, variantIds[0]!, 2);
    const order = await checkout(buyer);

    expect((await shop.client().product.get.query({ id: product.id })).inStock).toBe(false);
    const cancelled = await buyer.client.order.cancel.mutate({ id: order.id });
    expect(cancelled).toMatchObject({ status: "refunded", statusReason: "cancelled by the customer" });
    expect(await stockLedger(shop, variantIds[0]!)).toMatchObject({ stock: 2, held: 0 });
    expect((await shop.client().product.get.query({ id: product.id })).inStock).toBe(true);
    const { refunds } = await simulatedLedger(shop.db);
    expect(refunds.filter((r) => r.idempotencyKey === `refund:${order.id}`)).toHaveLength(1);
    // The order's and the payment's events reach the mailbox in either order: the bus keeps order per
    // aggregate only (PGlite, one connection, happened to serialize them; real Postgres does not).
    const kinds = await emailKinds(shop, buyer.token);
    expect(kinds.slice(0, 2)).toEqual(["user.registered", "order.paid"]);
    expect(kinds.slice(2).toSorted()).toEqual(["order.cancelled", "payment.refunded"]);
    expect((await failure(buyer.client.order.cancel.mutate({ id: order.id }))).message).toBe(
      "cannot cancel an order that is refunded",
    );

    await buyer.client.cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 1 });
    const second = await checkout(buyer);
    expect((await staff.order.fulfil.mutate({ id: second.id })).status).toBe("fulfilled");
    expect((await failure(buyer.client.order.cancel.mutate({ id: second.id }))).message).toBe(
      "cannot cancel an order that is fulfilled",
    );
    expect((await staff.order.listAll.query({ status: "fulfilled" })).items.map((o) => o.id)).toContain(
      second.id,
    );
    expect((await emailKinds(shop, buyer.token)).at(-1)).toBe("order.fulfilled");
  });

  it("delivers every event twice without a second effect, and parks a poison event without blocking the rest", async () => {
    const { variantIds } = await stockedProduct(shop, [5]);
    const buyer = await readyBuyer(shop, variantIds[0]!);
    await checkout(buyer);
    await shop.settle();
    const count = async () =>
      rowsOf<{ n: number }>(
        await shop.db.primary.execute(sql`select count(*)::int as n from notification.emails`),
      )[0]!.n;
    const before = await count();

    const published = rowsOf<Record<string, unknown>>(
      await shop.db.primary.execute(sql`
        select id, type, version, aggregate_id as "aggregateId", payload, occurred_at as "occurredAt" from auth.outbox
        union all select id, type, version, aggregate_id, payload, occurred_at from "order".outbox
        union all select id, type, version, aggregate_id, payload, occurred_at from payment.outbox`),
    );
    const poison = {
      id: crypto.randomUUID(),
      type: "order.paid",
      version: 1,
      aggregateId: "x",
      occurredAt: new Date(),
      payload: { nope: true },
    };
    await shop.bus.publish([...published, poison, ...published] as never);
    await shop.settle();
    expect(await count()).toBe(before);
    const dead = rowsOf<{ event_id: string }>(
      await shop.db.primary.execute(sql`select event_id from notification.dead_letters`),
    );
    expect(dead.map((d) => d.event_id)).toContain(poison.id);

    const later = await readyBuyer(shop, variantIds[0]!);
    await checkout(later);
    expect(await emailKinds(shop, later.token)).toEqual(["user.registered", "order.paid"]);
  });
});
