import { afterAll, beforeAll, expect, it } from "bun:test";
import { createFastrClient } from "../../routers/client.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import { failure } from "../../test/support/failure.ts";
import {
  mutationBody,
  startEmbeddedShop,
  startTestShop,
  type TestShop,
  uniqueEmail,
} from "../../test/support/shop.ts";
import { describeEmbedded, describeShop } from "../../test/support/target.ts";

describeShop("cart over HTTP", () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await startTestShop();
  });
  afterAll(() => shop.stop());

  const guest = (token?: string) =>
    createFastrClient({ baseUrl: shop.url, headers: token ? { "x-cart-token": token } : {} });

  it("gives a guest a cart token on the first add, prices it on the server, and keeps it by header", async () => {
    const { variantIds } = await stockedProduct(shop, [5], 1990);
    expect(await guest().cart.get.query()).toMatchObject({ token: null, lines: [], total: { amount: 0 } });
    const cart = await guest().cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 2 });
    expect(cart.token).toMatch(/^[a-z2-7]{32}$/);
    expect(cart.lines).toEqual([
      expect.objectContaining({
        variantId: variantIds[0],
        quantity: 2,
        unitPrice: { amount: 1990, currency: "EUR" },
      }),
    ]);
    expect(cart).toMatchObject({
      subtotal: { amount: 3980 },
      shipping: { amount: 490 },
      total: { amount: 4470 },
      taxIncluded: true,
    });
    expect(cart.tax.amount).toBe(Math.round((4470 * 19) / 119));
    const again = await guest(cart.token!).cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 1 });
    expect(again.lines[0]!.quantity).toBe(3);
    expect((await guest(cart.token!).cart.get.query()).itemCount).toBe(3);
  });

  it("prices the cart for the shipping option and destination the shopper picks", async () => {
    const { variantIds } = await stockedProduct(shop, [5], 2000);
    const { token } = await guest().cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 1 });
    const express = await guest(token!).cart.get.query({ shippingOptionId: "express", country: "fr" });
    expect(express).toMatchObject({
      shippingOptionId: "express",
      country: "FR",
      shipping: { amount: 1290 },
      total: { amount: 3290 },
      taxRate: 20,
    });
    const unknown = await failure(guest(token!).cart.get.query({ shippingOptionId: "drone" }));
    expect(unknown).toMatchObject({ code: "BAD_REQUEST", message: expect.stringContaining("'drone'") });
  });

  it("charges shipping in the cart's currency, not euro cents relabelled as pounds", async () => {
    const { staff } = await stockedProduct(shop, [1]);
    await staff.product.createCategory.mutate({ slug: "british-goods", name: "British goods" });
    const tea = await staff.product.create.mutate({
      title: "Tea tin",
      category: "british-goods",
      variants: [{ sku: "TEA-GBP-1", price: { amount: 1000, currency: "GBP" }, stock: 5 }],
    });
    const cart = await guest().cart.addItem.mutate({ variantId: tea.variants[0]!.id, quantity: 1 });
    expect(cart.shippingOptions.map((o) => o.price)).toEqual([
      { amount: 420, currency: "GBP" },
      { amount: 1090, currency: "GBP" },
    ]);
    expect(cart.total).toEqual({ amount: 1420, currency: "GBP" });
  });

  it("sets the fastr_cart cookie for browsers and accepts it back from the shop's own origin", async () => {
    const { variantIds } = await stockedProduct(shop, [5]);
    const res = await shop.fetch("/api/cart/trpc/addItem", {
      method: "POST",
      headers: { "content-type": "application/json", origin: shop.url },
      body: mutationBody({ variantId: variantIds[0], quantity: 1 }),
    });
    const cookie = res.headers.get("set-cookie") ?? "";
    expect(cookie).toMatch(/^fastr_cart=[a-z2-7]{32}; Path=\/; HttpOnly; SameSite=Lax/);
    const jar = cookie.split(";")[0]!;
    const cross = await shop.fetch("/api/cart/trpc/clear", {
      method: "POST",
      headers: { "content-type": "application/json", cookie: jar, origin: "https://evil.example" },
    });
    expect(cross.status).toBe(403);
    const read = await shop.fetch("/api/cart/trpc/get", { headers: { cookie: jar } });
    expect((await read.json()).result.data.json.itemCount).toBe(1);
  });

  it("refuses quantities below 1, above the stock, and any price the client sends", async () => {
    const { variantIds } = await stockedProduct(shop, [3]);
    const { client } = await shop.customer();
    expect(
      await failure(client.cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 4 })),
    ).toMatchObject({
      code: "BAD_REQUEST",
      message: expect.stringContaining("only 3 of"),
    });
    await client.cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 2 });
    expect((await failure(client.cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 2 }))).code).toBe(
      "BAD_REQUEST",
    );
    expect(
      (await failure(client.cart.setQuantity.mutate({ variantId: variantIds[0]!, quantity: 0 }))).code,
    ).toBe("BAD_REQUEST");
    const res = await shop.fetch("/api/cart/trpc/addItem", {
      method: "POST",
      headers: {
        "content-type": "application/json",
        authorization: `Bearer ${(await shop.customer()).token}`,
      },
      body: mutationBody({
        variantId: variantIds[0],
        quantity: 1,
        unitPrice: { amount: 1, currency: "EUR" },
      }),
    });
    expect(res.status).toBe(400);
    expect(await res.text()).toContain("unitPrice");
  });

  it("changes and removes lines, and answers NOT_FOUND for a variant that is not there", async () => {
    const { variantIds } = await stockedProduct(shop, [5, 5]);
    const { client } = await shop.customer();
    await client.cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 1 });
    await client.cart.addItem.mutate({ variantId: variantIds[1]!, quantity: 1 });
    expect((await client.cart.setQuantity.mutate({ variantId: variantIds[0]!, quantity: 4 })).itemCount).toBe(
      5,
    );
    expect(
      (await client.cart.removeItem.mutate({ variantId: variantIds[1]! })).lines.map((l) => l.variantId),
    ).toEqual([variantIds[0]!]);
    expect((await failure(client.cart.removeItem.mutate({ variantId: variantIds[1]! }))).code).toBe(
      "NOT_FOUND",
    );
    expect((await client.cart.clear.mutate()).lines).toEqual([]);
  });

  it("merges the guest cart into the account at sign-in, summing quantities but never past the stock", async () => {
    const { variantIds } = await stockedProduct(shop, [4, 9]);
    const email = uniqueEmail();
    const account = await guest().auth.signup.mutate({ email, password: "long enough pw", name: "Merger" });
    const me = shop.client(account.token);
    await me.cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 3 });

    const guestCart = await guest().cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 3 });
    await guest(guestCart.token!).cart.addItem.mutate({ variantId: variantIds[1]!, quantity: 2 });
    const login = await guest(guestCart.token!).auth.login.mutate({ email, password: "long enough pw" });

    const merged = await me.cart.get.query();
    expect(merged.lines.map((l) => [l.variantId, l.quantity])).toEqual([
      [variantIds[0]!, 4],
      [variantIds[1]!, 2],
    ]);
    expect(login.cartMerge).toEqual({
      merged: 2,
      leftOut: [
        {
          variantId: variantIds[0]!,
          title: expect.stringContaining("Test Product"),
          quantity: 3,
          kept: 1,
          reason: "not_enough_stock",
          message: expect.stringMatching(/^only 4 of .+ left; your cart has 4$/),
        },
      ],
    });
    expect((await guest(guestCart.token!).cart.get.query()).lines).toEqual([]);
  });

  it("keeps a guest's USD line out of a EUR customer's cart at sign-in, says so, and checkout charges EUR for EUR goods only", async () => {
    const { variantIds: eur, staff } = await stockedProduct(shop, [5], 2000);
    const category = `usd-goods-${Date.now().toString(36)}`;
    await staff.product.createCategory.mutate({ slug: category, name: "USD goods" });
    const usd = await staff.product.create.mutate({
      title: "Imported Thing",
      category,
      options: [],
      variants: [
        {
          sku: `${category}-1`.toUpperCase(),
          options: {},
          price: { amount: 1340, currency: "USD" },
          stock: 5,
        },
      ],
    });
    const customer = await shop.customer();
    await customer.client.cart.addItem.mutate({ variantId: eur[0]!, quantity: 2 });
    const guestCart = await guest().cart.addItem.mutate({ variantId: usd.variants[0]!.id, quantity: 1 });

    const login = await guest(guestCart.token!).auth.login.mutate({
      email: customer.email,
      password: customer.password,
    });
    expect(login.cartMerge).toEqual({
      merged: 0,
      leftOut: [
        {
          variantId: usd.variants[0]!.id,
          title: "Imported Thing",
          quantity: 1,
          kept: 0,
          reason: "other_currency",
          message: "Imported Thing is priced in USD and your cart is in EUR",
        },
      ],
    });
    const cart = await customer.client.cart.get.query();
    expect(cart.lines.map((l) => [l.variantId, l.unitPrice.currency])).toEqual([[eur[0]!, "EUR"]]);
    expect(cart.subtotal).toEqual({ amount: 4000, currency: "EUR" });

    const { id: addressId } = await customer.client.user.addresses.add.mutate({
      name: "Ada",
      line1: "1 Main St",
      city: "Berlin",
      postalCode: "10115",
      country: "DE",
    });
    const order = await customer.client.order.checkout.mutate({
      idempotencyKey: `merge-${crypto.randomUUID()}`,
      addressId,
      paymentMethodId: "pm_card_visa",
    });
    expect(order.lines.map((l) => l.variantId)).toEqual([eur[0]!]);
    expect(order.total.currency).toBe("EUR");
  });

  it("says nothing about a merge when signing in without a guest cart", async () => {
    const customer = await shop.customer();
    const login = await guest().auth.login.mutate({ email: customer.email, password: customer.password });
    expect(login).not.toHaveProperty("cartMerge");
  });

  it("keeps carts apart: a signed-in customer holding someone's guest token still sees only their own cart", async () => {
    const { variantIds } = await stockedProduct(shop, [5, 5]);
    const someone = await guest().cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 2 });
    const { token } = await shop.customer();
    const nosy = createFastrClient({
      baseUrl: shop.url,
      headers: { authorization: `Bearer ${token}`, "x-cart-token": someone.token! },
    });
    expect((await nosy.cart.get.query()).lines).toEqual([]);
    await nosy.cart.addItem.mutate({ variantId: variantIds[1]!, quantity: 1 });
    expect((await failure(nosy.cart.removeItem.mutate({ variantId: variantIds[0]! }))).code).toBe(
      "NOT_FOUND",
    );
    await nosy.cart.clear.mutate();
    expect(
      (await guest(someone.token!).cart.get.query()).lines.map((l) => [l.variantId, l.quantity]),
    ).toEqual([[variantIds[0]!, 2]]);
    expect(
      (await failure(guest("a".repeat(32)).cart.removeItem.mutate({ variantId: variantIds[0]! }))).code,
    ).toBe("NOT_FOUND");
  });

  it("shows every change made to a cart while it was being read and written at once", async () => {
    const { variantIds } = await stockedProduct(shop, [50, 50, 50, 50]);
    const { token } = await guest().cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 1 });
    const cart = guest(token!).cart;
    // Adds, quantity changes and reads of one cart, all in flight together (ADR 187: the embedded
    // shop holds the cart, and a read or write overlapping a write of it must keep nothing).
    await Promise.all([
      ...variantIds.flatMap((variantId) =>
        Array.from({ length: 5 }, () => cart.addItem.mutate({ variantId, quantity: 1 })),
      ),
      ...Array.from({ length: 20 }, () => cart.get.query()),
    ]);
    // Lines added at once are listed in whichever order their adds landed.
    const quantities = async () =>
      Object.fromEntries((await cart.get.query()).lines.map((l) => [l.variantId, l.quantity]));
    expect(await quantities()).toEqual(Object.fromEntries(variantIds.map((id, i) => [id, i === 0 ? 6 : 5])));
    await Promise.all([
      cart.setQuantity.mutate({ variantId: variantIds[1]!, quantity: 2 }),
      cart.removeItem.mutate({ variantId: variantIds[2]! }),
      ...Array.from({ length: 10 }, () => cart.get.query()),
      cart.addItem.mutate({ variantId: variantIds[3]!, quantity: 4 }),
    ]);
    expect(await quantities()).toEqual({ [variantIds[0]!]: 6, [variantIds[1]!]: 2, [variantIds[3]!]: 9 });
  });

  it("shows prices and stock as they are now, not as they were when the item was added", async () => {
    const { product, variantIds, staff } = await stockedProduct(shop, [5], 1000);
    const { client } = await shop.customer();
    await client.cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 2 });
    await staff.product.update.mutate({
      id: product.id,
      variants: [{ id: variantIds[0]!, price: { amount: 1500, currency: "EUR" } }],
    });
    await staff.product.setStock.mutate({ variantId: variantIds[0]!, stock: 1 });
    const cart = await client.cart.get.query();
    expect(cart.lines[0]).toMatchObject({
      unitPrice: { amount: 1500 },
      lineTotal: { amount: 3000 },
      available: 1,
    });
  });
});

describeEmbedded("a cart survives a restart", "restarts the shop in the test's process", () => {
  it("is still there when the shop comes back on the same database", async () => {
    const first = await startEmbeddedShop();
    const { variantIds } = await stockedProduct(first, [5]);
    const { token } = await first.customer();
    await first.client(token).cart.addItem.mutate({ variantId: variantIds[0]!, quantity: 2 });
    const second = await first.restart();
    expect((await second.client(token).cart.get.query()).itemCount).toBe(2);
    await second.stop();
  });
});
