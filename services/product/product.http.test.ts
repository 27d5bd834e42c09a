import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import type { CreateProductInput } from "../../contracts/product.ts";
import type { FastrClient } from "../../routers/client.ts";
import { failure } from "../../test/support/failure.ts";
import { queryString, startTestShop, type TestShop } from "../../test/support/shop.ts";
import { describeShop } from "../../test/support/target.ts";

let n = 0;
const eur = (amount: number) => ({ amount, currency: "EUR" as const });
const simple = (
  category: string,
  title: string,
  price: number,
  extra: Partial<CreateProductInput> = {},
): CreateProductInput => ({
  title,
  category,
  description: `${title}, made with care.`,
  variants: [{ sku: `SKU-${++n}-${Date.now()}`, price: eur(price), stock: 5 }],
  ...extra,
});

describeShop("product over HTTP", () => {
  let shop: TestShop;
  let staff: FastrClient;
  let guest: FastrClient;
  let cat = 0;
  const newCategory = async (name = "Things") => {
    const slug = `cat-${++cat}`;
    await staff.product.createCategory.mutate({ slug, name });
    return slug;
  };

  beforeAll(async () => {
    shop = await startTestShop();
    staff = (await shop.staff()).client;
    guest = shop.client();
  });
  afterAll(() => shop.stop());

  it("creates a product with option variants that guests can read by id and by slug", async () => {
    const category = await newCategory("Tops");
    const created = await staff.product.create.mutate({
      title: "Linen Shirt",
      category,
      description: "Breathable linen for warm days.",
      options: [
        { name: "Size", values: ["S", "M"] },
        { name: "Colour", values: ["Navy", "Sand"] },
      ],
      variants: [
        { sku: "LIN-S-NAVY", options: { Size: "S", Colour: "Navy" }, price: eur(4900), stock: 3 },
        { sku: "LIN-M-NAVY", options: { Size: "M", Colour: "Navy" }, price: eur(4900), stock: 0 },
        { sku: "LIN-M-SAND", options: { Size: "M", Colour: "Sand" }, price: eur(5400), stock: 1 },
      ],
    });
    expect(created).toMatchObject({
      slug: "linen-shirt",
      priceFrom: eur(4900),
      inStock: true,
      category: { slug: category, name: "Tops" },
    });
    expect(created.variants.map((v) => [v.sku, v.title, v.stock])).toEqual([
      ["LIN-S-NAVY", "S / Navy", 3],
      ["LIN-M-NAVY", "M / Navy", 0],
      ["LIN-M-SAND", "M / Sand", 1],
    ]);
    expect(await guest.product.get.query({ id: created.id })).toEqual(created);
    expect(await guest.product.get.query({ slug: "linen-shirt" })).toEqual(created);
    expect(await guest.product.categories.query()).toContainEqual({
      id: expect.any(String),
      slug: category,
      name: "Tops",
      productCount: 1,
    });
  });

  it("gives a product without options one default variant, and a unique slug when the title repeats", async () => {
    const category = await newCategory();
    const a = await staff.product.create.mutate(simple(category, "Enamel Mug", 1200));
    const b = await staff.product.create.mutate(simple(category, "Enamel Mug", 1300));
    expect(a.variants).toHaveLength(1);
    expect(a.variants[0]).toMatchObject({ title: "Default", options: {} });
    expect([a.slug, b.slug]).toEqual(["enamel-mug", "enamel-mug-2"]);
  });

  it("refuses inconsistent products with readable errors", async () => {
    const category = await newCategory();
    const clash = await failure(
      staff.product.create.mutate({
        title: "Cap",
        category,
        options: [{ name: "Size", values: ["S", "M"] }],
        variants: [
          { sku: "CAP-1", options: { Size: "S" }, price: eur(100) },
          { sku: "CAP-2", options: { Size: "S" }, price: eur(100) },
        ],
      }),
    );
    expect(clash).toMatchObject({ code: "BAD_REQUEST" });
    expect(clash.message).toContain("two variants have the same options");
    expect(
      await failure(staff.product.create.mutate(simple("no-such-category", "Ghost", 100))),
    ).toMatchObject({
      code: "BAD_REQUEST",
      message: "there is no category 'no-such-category'",
    });
    const fractional = simple(category, "Fraction", 100);
    fractional.variants[0]!.price = { amount: 9.99, currency: "EUR" };
    expect((await failure(staff.product.create.mutate(fractional))).code).toBe("BAD_REQUEST");
    const first = await staff.product.create.mutate(simple(category, "Original", 100));
    const dupe = simple(category, "Copy", 100);
    dupe.variants[0]!.sku = first.variants[0]!.sku;
    expect(await failure(staff.product.create.mutate(dupe))).toMatchObject({ code: "CONFLICT" });
  });

  it("pages through a category exactly once in every sort order", async () => {
    const category = await newCategory();
    const prices = [500, 1500, 1500, 900, 2500, 100, 1500];
    for (const [i, price] of prices.entries())
      await staff.product.create.mutate(simple(category, `Item ${i}`, price));

    const walk = async (sort: "newest" | "price_asc" | "price_desc") => {
      const seen: { title: string; price: number }[] = [];
      let cursor: string | undefined;
      do {
        const page = await guest.product.list.query({ category, sort, limit: 2, ...(cursor && { cursor }) });
        expect(page.items.length).toBeLessThanOrEqual(2);
        seen.push(...page.items.map((p) => ({ title: p.title, price: p.priceFrom.amount })));
        cursor = page.nextCursor ?? undefined;
      } while (cursor);
      return seen;
    };

    const newest = await walk("newest");
    expect(newest.map((p) => p.title)).toEqual(prices.map((_, i) => `Item ${i}`).reverse());
    const ascending = await walk("price_asc");
    expect(ascending.map((p) => p.price)).toEqual([...prices].sort((a, b) => a - b));
    expect(new Set(ascending.map((p) => p.title)).size).toBe(prices.length);
    const descending = await walk("price_desc");
    expect(descending.map((p) => p.price)).toEqual([...prices].sort((a, b) => b - a));
    expect(new Set(descending.map((p) => p.title)).size).toBe(prices.length);
  });

  it("filters by price range", async () => {
    const category = await newCategory();
    for (const price of [300, 800, 1200, 5000])
      await staff.product.create.mutate(simple(category, `Priced ${price}`, price));
    const { items } = await guest.product.list.query({
      category,
      minPrice: 800,
      maxPrice: 1200,
      sort: "price_asc",
    });
    expect(items.map((p) => p.priceFrom.amount)).toEqual([800, 1200]);
    expect((await failure(guest.product.list.query({ minPrice: 10, maxPrice: 5 }))).code).toBe("BAD_REQUEST");
  });

  it("searches titles and descriptions with stemming and prefixes, best matches first", async () => {
    const category = await newCategory();
    await staff.product.create.mutate(
      simple(category, "Canvas Tote", 2000, { description: "Carries a linen shirt and more." }),
    );
    await staff.product.create.mutate(
      simple(category, "Washed Linen Napkins", 1800, { description: "Set of four." }),
    );
    await staff.product.create.mutate(
      simple(category, "Steel Bottle", 2200, { description: "Keeps drinks cold." }),
    );

    const byWord = await guest.product.list.query({ category, q: "linen" });
    expect(byWord.items.map((p) => p.title)).toEqual(["Washed Linen Napkins", "Canvas Tote"]);
    expect((await guest.product.list.query({ category, q: "napkin" })).items.map((p) => p.title)).toEqual([
      "Washed Linen Napkins",
    ]);
    expect((await guest.product.list.query({ category, q: "bott" })).items.map((p) => p.title)).toEqual([
      "Steel Bottle",
    ]);
    expect((await guest.product.list.query({ category, q: "%$#" })).items).toEqual([]);
    expect((await guest.product.list.query({ category, q: "linen cold" })).items).toEqual([]);
  });

  describe("reads are cached, and every write is visible to the next read", () => {
    it("shows an update, a price change and a stock change straight away", async () => {
      const category = await newCategory();
      const product = await staff.product.create.mutate(simple(category, "Old Title", 1000));
      const variantId = product.variants[0]!.id;
      await guest.product.get.query({ id: product.id });
      await guest.product.list.query({ category });

      await staff.product.update.mutate({
        id: product.id,
        title: "New Title",
        variants: [{ id: variantId, price: eur(750) }],
      });
      expect(await guest.product.get.query({ id: product.id })).toMatchObject({
        title: "New Title",
        priceFrom: eur(750),
      });
      expect((await guest.product.list.query({ category })).items[0]).toMatchObject({
        title: "New Title",
        priceFrom: eur(750),
      });

      await staff.product.setStock.mutate({ variantId, stock: 0 });
      expect((await guest.product.get.query({ id: product.id })).variants[0]!.stock).toBe(0);
      expect((await guest.product.list.query({ category })).items[0]!.inStock).toBe(false);
    });

    it("answers repeat GETs from stored responses until the next write, and never stores errors", async () => {
      const category = await newCategory();
      const product = await staff.product.create.mutate(simple(category, "Cached Thing", 1000));
      const batch = encodeURIComponent(
        JSON.stringify({ 0: { json: { id: product.id } }, 1: { json: { category } } }),
      );
      const url = `/api/product/trpc/get,list?batch=1&input=${batch}`;
      const first = await shop.fetch(url);
      expect(first.headers.get("x-cache")).toBe("miss");
      const second = await shop.fetch(url);
      expect(second.headers.get("x-cache")).toBe("hit");
      expect(await second.text()).toBe(await first.text());

      await staff.product.update.mutate({ id: product.id, title: "Renamed Thing" });
      const after = await shop.fetch(url);
      expect(after.headers.get("x-cache")).toBe("miss");
      expect(await after.text()).toContain("Renamed Thing");

      const missing = `/api/product/trpc/get${queryString({ id: "0190b3b4-0000-7000-8000-00000000dead" })}`;
      await shop.fetch(missing);
      const again = await shop.fetch(missing);
      expect(again.status).toBe(404);
      expect(again.headers.get("x-cache")).toBeNull();
    });

    it("hides an archived product from lists, lookups and category counts", async () => {
      const category = await newCategory();
      const product = await staff.product.create.mutate(simple(category, "Short Lived", 1000));
      await guest.product.list.query({ category });
      await guest.product.categories.query();

      await staff.product.archive.mutate({ id: product.id });
      expect((await guest.product.list.query({ category })).items).toEqual([]);
      expect((await failure(guest.product.get.query({ id: product.id }))).code).toBe("NOT_FOUND");
      expect((await guest.product.categories.query()).find((c) => c.slug === category)?.productCount).toBe(0);
    });
  });

  it("answers NOT_FOUND for unknown ids on every staff write", async () => {
    const id = "0190b3b4-0000-7000-8000-000000000000";
    expect((await failure(staff.product.update.mutate({ id, title: "x" }))).code).toBe("NOT_FOUND");
    expect((await failure(staff.product.archive.mutate({ id }))).code).toBe("NOT_FOUND");
    expect((await failure(staff.product.setStock.mutate({ variantId: id, stock: 1 }))).code).toBe(
      "NOT_FOUND",
    );
  });
});
