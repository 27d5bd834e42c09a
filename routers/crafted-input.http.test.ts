import { afterAll, beforeAll, expect, it } from "bun:test";
import { failure } from "../test/support/failure.ts";
import {
  mutationBody,
  queryString,
  startTestShop,
  type TestShop,
  uniqueEmail,
} from "../test/support/shop.ts";
import { describeShop } from "../test/support/target.ts";

const cursor = (value: unknown) => Buffer.from(JSON.stringify(value)).toString("base64url");
const UUID = "0190a000-0000-7000-8000-000000000000";
const address = {
  name: "Ada Shopper",
  line1: "1 Loop Road",
  city: "Berlin",
  postalCode: "10115",
  country: "DE",
};

/** The error a raw call got: status, tRPC code, the service's reason and the message. */
async function refusal(res: Response) {
  const body = await res.json();
  const error = (Array.isArray(body) ? body[0] : body).error.json;
  return {
    status: res.status,
    code: error.data.code,
    reason: error.data.reason,
    message: error.message as string,
  };
}

describeShop("crafted input that used to answer 500", () => {
  let shop: TestShop;
  let staff: Awaited<ReturnType<TestShop["staff"]>>;
  let customer: Awaited<ReturnType<TestShop["customer"]>>;
  let variantId: string;

  const post = (path: string, input: unknown, token?: string) =>
    shop.fetch(path, {
      method: "POST",
      headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
      body: mutationBody(input),
    });
  const get = (path: string, input: unknown, token?: string) =>
    shop.fetch(
      `${path}${queryString(input)}`,
      token ? { headers: { authorization: `Bearer ${token}` } } : {},
    );

  beforeAll(async () => {
    shop = await startTestShop();
    staff = await shop.staff();
    customer = await shop.customer();
    await staff.client.product.createCategory.mutate({ slug: "crafted", name: "Crafted" });
    const product = await staff.client.product.create.mutate({
      title: "Crafted mug",
      category: "crafted",
      variants: [{ sku: "CRAFTED-1", price: { amount: 1_200, currency: "EUR" }, stock: 50 }],
    });
    variantId = product.variants[0]!.id;
  });
  afterAll(() => shop.stop());

  it("refuses NUL in signup, profile and address fields with 400 naming the field", async () => {
    const signup = await refusal(
      await post("/api/auth/trpc/signup", {
        email: uniqueEmail(),
        password: "long enough 1",
        name: "Ada\u0000",
      }),
    );
    expect(signup).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    expect(signup.message).toBe("invalid input: name: must not contain control characters (U+0000)");

    const profile = await refusal(await post("/api/user/trpc/update", { name: "\u0000" }, customer.token));
    expect(profile).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    const added = await refusal(
      await post("/api/user/trpc/addresses.add", { ...address, line1: "1\u0000 Loop Road" }, customer.token),
    );
    expect(added.message).toContain("line1: must not contain control characters (U+0000)");
  });

  it("refuses NUL and lone surrogates in a checkout address, which is stored as jsonb", async () => {
    await customer.client.cart.addItem.mutate({ variantId, quantity: 1 });
    for (const city of ["Ber\u0000lin", "Berlin\ud800"]) {
      const res = await post(
        "/api/order/trpc/checkout",
        {
          idempotencyKey: `crafted-${city.length}-${city.charCodeAt(city.length - 1)}`,
          shippingAddress: { ...address, city },
          paymentMethodId: "pm_card_visa",
        },
        customer.token,
      );
      expect(await refusal(res)).toMatchObject({ status: 400, code: "BAD_REQUEST" });
    }
    expect((await customer.client.order.list.query()).items).toEqual([]);
  });

  it("refuses NUL and lone surrogates in every staff product field with 400", async () => {
    const valid = {
      title: "Tee",
      description: "Soft.\nWashable.",
      category: "crafted",
      image: "/img/tee.png",
      options: [{ name: "Size", values: ["M"] }],
      variants: [
        {
          sku: "TEE-M",
          title: "Medium",
          options: { Size: "M" },
          price: { amount: 900, currency: "EUR" as const },
        },
      ],
    };
    const crafted = [
      { ...valid, title: "Tee\u0000" },
      { ...valid, description: "Soft\u0000" },
      { ...valid, image: "/img/\u0000.png" },
      { ...valid, options: [{ name: "Size\ud800", values: ["M"] }] },
      { ...valid, options: [{ name: "Size", values: ["M\u0000"] }] },
      { ...valid, variants: [{ ...valid.variants[0]!, title: "Med\udfffium" }] },
      { ...valid, variants: [{ ...valid.variants[0]!, options: { Size: "M", "Fit\u0000": "slim" } }] },
    ];
    for (const input of crafted) {
      expect(await refusal(await post("/api/product/trpc/create", input, staff.token))).toMatchObject({
        status: 400,
        code: "BAD_REQUEST",
      });
    }
    const created = await staff.client.product.create.mutate({ ...valid, title: " Cafe\u0301 tee " });
    expect(created.title).toBe("Caf\u00e9 tee");
    expect(created.description).toBe("Soft.\nWashable.");
    const update = await refusal(
      await post("/api/product/trpc/update", { id: created.id, description: "\u0000" }, staff.token),
    );
    expect(update).toMatchObject({ status: 400, code: "BAD_REQUEST" });
  });

  it("refuses staff prices of 2^31 minor units or more with 400", async () => {
    for (const amount of [2 ** 31, 2 ** 53 + 1]) {
      const res = await post(
        "/api/product/trpc/create",
        {
          title: "Gold",
          category: "crafted",
          variants: [{ sku: `GOLD-${amount}`, price: { amount, currency: "EUR" } }],
        },
        staff.token,
      );
      const error = await refusal(res);
      expect(error).toMatchObject({ status: 400, code: "BAD_REQUEST" });
      expect(error.message).toContain("variants.0.price.amount: must be at most 2147483647");
    }
  });

  it("refuses a checkout whose total does not fit an order with 400", async () => {
    const buyer = await shop.customer();
    const dear = await staff.client.product.create.mutate({
      title: "Very dear",
      category: "crafted",
      variants: [{ sku: "DEAR-1", price: { amount: 2 ** 31 - 1, currency: "EUR" }, stock: 5 }],
    });
    await buyer.client.cart.addItem.mutate({ variantId: dear.variants[0]!.id, quantity: 2 });
    const error = await failure(
      buyer.client.order.checkout.mutate({
        idempotencyKey: "too-dear-1",
        shippingAddress: address,
        paymentMethodId: "pm_card_visa",
      }),
    );
    expect(error).toMatchObject({ code: "BAD_REQUEST", data: { reason: "ORDER.TOTAL_TOO_LARGE" } });
  });

  it("refuses product.list minPrice and maxPrice of 2^31 or more with 400", async () => {
    for (const input of [{ minPrice: 2 ** 31 }, { maxPrice: 2 ** 31 }, { maxPrice: 1e308 }]) {
      expect(await refusal(await get("/api/product/trpc/list", input))).toMatchObject({
        status: 400,
        code: "BAD_REQUEST",
      });
    }
    expect((await shop.client().product.list.query({ maxPrice: 2 ** 31 - 1 })).items.length).toBeGreaterThan(
      0,
    );
  });

  it("refuses crafted product.list cursors with BAD_REQUEST", async () => {
    const crafted = [
      [{ sort: "newest", key: "2026-01-01T00:00:00.000Z", id: "not-a-uuid" }, {}],
      [{ sort: "newest", key: "not a date", id: UUID }, {}],
      [{ sort: "newest", key: "2026\u0000", id: UUID }, {}],
      [{ sort: "price_asc", key: 2 ** 40, id: UUID }, { sort: "price_asc" }],
      [{ sort: "price_asc", key: 1.5, id: UUID }, { sort: "price_asc" }],
      [{ sort: "price_desc", key: "12", id: UUID }, { sort: "price_desc" }],
      [{ sort: "relevance", offset: -1 }, { q: "mug" }],
      [{ sort: "relevance", offset: 1.5 }, { q: "mug" }],
      [{ sort: "relevance", offset: 2 ** 63 }, { q: "mug" }],
      [null, {}],
    ] as const;
    for (const [value, query] of crafted) {
      const error = await refusal(await get("/api/product/trpc/list", { ...query, cursor: cursor(value) }));
      expect(error).toMatchObject({ status: 400, code: "BAD_REQUEST", reason: "PRODUCT.BAD_CURSOR" });
    }
  });

  it("still pages with the cursors it issues", async () => {
    const guest = shop.client();
    for (const sort of ["newest", "price_asc", "price_desc"] as const) {
      const first = await guest.product.list.query({ category: "crafted", sort, limit: 1 });
      expect(first.nextCursor).not.toBeNull();
      const second = await guest.product.list.query({
        category: "crafted",
        sort,
        limit: 1,
        cursor: first.nextCursor!,
      });
      expect(second.items[0]?.id).not.toBe(first.items[0]?.id);
    }
  });

  it("refuses crafted order and notification cursors with BAD_REQUEST", async () => {
    for (const value of [99_999_999_999, -1, 0, 1.5, "12", null]) {
      const error = await refusal(
        await get("/api/order/trpc/list", { cursor: cursor(value) }, customer.token),
      );
      expect(error).toMatchObject({ status: 400, code: "BAD_REQUEST", reason: "ORDER.BAD_CURSOR" });
      const all = await refusal(await get("/api/order/trpc/listAll", { cursor: cursor(value) }, staff.token));
      expect(all).toMatchObject({ status: 400, reason: "ORDER.BAD_CURSOR" });
    }
    for (const value of [
      { at: "1 1", id: UUID },
      { at: "+300000-01-01T00:00:00Z", id: UUID },
      { at: "2026-01-01T00:00:00Z", id: "x" },
    ]) {
      const error = await refusal(
        await get("/api/notification/trpc/list", { cursor: cursor(value) }, customer.token),
      );
      expect(error).toMatchObject({ status: 400, code: "BAD_REQUEST", reason: "NOTIFICATION.BAD_CURSOR" });
    }
  });
});
