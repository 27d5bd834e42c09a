/**
 * The catalog cache through sales (issue 11 §1, ADR 110): checkouts move stock all the time, yet
 * listings and product pages stay cached unless what they show changed. Hits are read from the
 * response cache's `x-cache` header; statement counting shows that a hit ran no catalog query.
 */
import { afterAll, beforeAll, expect, it } from "bun:test";
import superjson, { type SuperJSONResult } from "superjson";
import type { ListProductsInput, Product, ProductSummary } from "../../contracts/product.ts";
import { readyBuyer } from "../../test/support/buyers.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import { type EmbeddedShop, queryString, startEmbeddedShop } from "../../test/support/shop.ts";
import { describeEmbedded } from "../../test/support/target.ts";

/** A catalog query reads the products or categories tables; a product page's stock levels read only the variants. */
const CATALOG_QUERY = /^select .* from "product"\."(products|categories)"/;
const STOCK_LEVELS_QUERY = /^select "id", "product_id", "stock" from "product"\."variants" where/;

describeEmbedded("the catalog cache through sales", "it counts the SQL statements the shop runs", () => {
  const statements: string[] = [];
  let shop: EmbeddedShop;
  let buyer: Awaited<ReturnType<typeof readyBuyer>>;
  let purchases = 0;

  beforeAll(async () => {
    shop = await startEmbeddedShop({ onQuery: (sql) => statements.push(sql) });
    const { variantIds } = await stockedProduct(shop, [1_000]);
    buyer = await readyBuyer(shop, variantIds[0]!);
    await buyer.client.cart.clear.mutate();
  });
  afterAll(() => shop.stop());

  /** One paid checkout of `quantity` units by the file's buyer, then the events settled. */
  async function buy(variantId: string, quantity = 1, paymentMethodId = "pm_card_visa") {
    await buyer.client.cart.addItem.mutate({ variantId, quantity });
    const order = await buyer.client.order.checkout.mutate({
      idempotencyKey: `catalog-cache-${++purchases}`,
      addressId: buyer.addressId,
      paymentMethodId,
    });
    await shop.settle();
    return order;
  }

  /** A raw GET of a catalog query: whether the response cache answered it, and its decoded data. */
  async function read<T>(path: string) {
    const response = await shop.fetch(path);
    expect(response.status).toBe(200);
    const body = (await response.json()) as { result: { data: SuperJSONResult } };
    return {
      hit: response.headers.get("x-cache") === "hit",
      data: superjson.deserialize<T>(body.result.data),
    };
  }
  const listOf = (input: Partial<ListProductsInput>) =>
    read<{ items: ProductSummary[] }>(`/api/product/trpc/list${queryString(input)}`);
  const pageOf = (input: { id: string } | { slug: string }) =>
    read<Product>(`/api/product/trpc/get${queryString(input)}`);

  /** Runs `reads` and says how many catalog and stock-level statements they sent. */
  async function counting<T>(reads: () => Promise<T>) {
    statements.length = 0;
    const result = await reads();
    return {
      result,
      catalogQueries: statements.filter((s) => CATALOG_QUERY.test(s)).length,
      stockQueries: statements.filter((s) => STOCK_LEVELS_QUERY.test(s)).length,
    };
  }

  it("keeps listings and product pages cached through checkouts that leave stock, with the units left exact", async () => {
    const { product, variantIds } = await stockedProduct(shop, [5, 3]);
    const category = product.category.slug;
    for (const _ of [1, 2]) {
      await listOf({ category });
      await pageOf({ id: product.id });
      await pageOf({ slug: product.slug });
    }

    await buy(variantIds[0]!, 2);
    await buy(variantIds[1]!, 1);

    const { result, catalogQueries, stockQueries } = await counting(async () => ({
      list: await listOf({ category }),
      byId: await pageOf({ id: product.id }),
      bySlug: await pageOf({ slug: product.slug }),
    }));
    expect([result.list.hit, result.byId.hit, result.bySlug.hit]).toEqual([true, true, true]);
    expect(result.list.data.items.map((p) => [p.id, p.inStock])).toEqual([[product.id, true]]);
    expect(result.byId.data.variants.map((v) => v.stock)).toEqual([3, 2]);
    expect(result.bySlug.data.variants.map((v) => v.stock)).toEqual([3, 2]);
    // The stored page, brought up to date, is the page itself: dates still dates, inStock derived.
    expect(result.byId.data).toEqual(await shop.services.product.get({ id: product.id }));
    expect(result.byId.data.createdAt).toBeInstanceOf(Date);
    expect(catalogQueries).toBe(0);
    // The units left are read once after the sales, then served from their own cache entry.
    expect(stockQueries).toBe(1);
    const again = await counting(() => pageOf({ id: product.id }));
    expect([again.result.hit, again.catalogQueries, again.stockQueries]).toEqual([true, 0, 0]);

    // The typed client (batched URLs, cached as well) agrees.
    const typed = await shop.client().product.get.query({ id: product.id });
    expect(typed.variants.map((v) => v.stock)).toEqual([3, 2]);
  });

  it("keeps a listing cached when one variant sells out while another is left, and shows the variant sold out", async () => {
    const { product, variantIds } = await stockedProduct(shop, [1, 4]);
    await listOf({ category: product.category.slug });
    await pageOf({ id: product.id });

    await buy(variantIds[0]!);

    const list = await listOf({ category: product.category.slug });
    expect(list.hit).toBe(true);
    expect(list.data.items[0]!.inStock).toBe(true);
    const page = await pageOf({ id: product.id });
    expect(page.hit).toBe(true);
    expect(page.data.variants.map((v) => v.stock)).toEqual([0, 4]);
    expect(page.data.inStock).toBe(true);
  });

  it("shows a product sold out in listings and on its page the moment its last unit sells, and back when it is given back", async () => {
    const { product, variantIds } = await stockedProduct(shop, [1]);
    const { product: neighbour } = await stockedProduct(shop, [4]);
    const category = product.category.slug;
    for (const _ of [1, 2]) {
      await listOf({ category });
      await listOf({});
      await pageOf({ id: product.id });
    }
    const guest = shop.client();
    expect((await guest.product.get.query({ id: product.id })).inStock).toBe(true);

    const order = await buy(variantIds[0]!);
    expect(order.status).toBe("paid");

    expect((await listOf({ category })).data.items.map((p) => p.inStock)).toEqual([false]);
    const everything = (await listOf({})).data.items;
    expect(everything.find((p) => p.id === product.id)?.inStock).toBe(false);
    expect(everything.find((p) => p.id === neighbour.id)?.inStock).toBe(true);
    const page = (await pageOf({ id: product.id })).data;
    expect([page.inStock, page.variants[0]!.stock]).toEqual([false, 0]);
    const typed = await guest.product.get.query({ id: product.id });
    expect([typed.inStock, typed.variants[0]!.stock]).toEqual([false, 0]);
    expect((await guest.product.list.query({ category })).items[0]!.inStock).toBe(false);
    // Cached again as sold out.
    expect((await listOf({ category })).hit).toBe(true);

    // A paid order cancelled by its customer puts the unit back on the shelf.
    expect((await buyer.client.order.cancel.mutate({ id: order.id })).status).toBe("refunded");
    expect((await listOf({ category })).data.items.map((p) => p.inStock)).toEqual([true]);
    const restocked = await guest.product.get.query({ id: product.id });
    expect([restocked.inStock, restocked.variants[0]!.stock]).toEqual([true, 1]);
  });

  it("shows a staff price change at once on listings and pages that stayed cached through sales", async () => {
    const { product, variantIds, staff } = await stockedProduct(shop, [10], 2500);
    const category = product.category.slug;
    await listOf({ category });
    await pageOf({ id: product.id });
    await buy(variantIds[0]!);
    expect((await listOf({ category })).hit).toBe(true);

    await staff.product.update.mutate({
      id: product.id,
      variants: [{ id: variantIds[0]!, price: { amount: 1999, currency: "EUR" } }],
    });

    const list = await listOf({ category });
    expect(list.hit).toBe(false);
    expect(list.data.items[0]!.priceFrom.amount).toBe(1999);
    const page = await pageOf({ id: product.id });
    expect([page.hit, page.data.variants[0]!.price.amount, page.data.variants[0]!.stock]).toEqual([
      false,
      1999,
      9,
    ]);
  });

  it("answers at least 99% of catalog reads from the cache while shoppers buy: 200 reads, 20 checkouts", async () => {
    const goods = await Promise.all([stockedProduct(shop, [100]), stockedProduct(shop, [100, 100])]);
    const [a, b] = goods.map((g) => g.product);
    const batch = encodeURIComponent(JSON.stringify({ 0: { json: { id: a!.id } }, 1: { json: {} } }));
    const urls = [
      `/api/product/trpc/list${queryString({})}`,
      `/api/product/trpc/list${queryString({ sort: "price_asc", limit: 48 })}`,
      `/api/product/trpc/list${queryString({ category: a!.category.slug })}`,
      `/api/product/trpc/get${queryString({ id: a!.id })}`,
      `/api/product/trpc/get${queryString({ slug: a!.slug })}`,
      `/api/product/trpc/get${queryString({ id: b!.id })}`,
      "/api/product/trpc/categories",
      `/api/product/trpc/get,list?batch=1&input=${batch}`,
    ];
    for (const url of urls) await shop.fetch(url); // a cold cache misses once per URL: not what is measured
    const sold = [...a!.variants, ...b!.variants].map((v) => v.id);

    let hits = 0;
    let catalogQueries = 0;
    for (let i = 0; i < 200; i++) {
      if (i % 10 === 0) await buy(sold[(i / 10) % sold.length]!);
      const { result, catalogQueries: n } = await counting(() => shop.fetch(urls[i % urls.length]!));
      expect(result.status).toBe(200);
      if (result.headers.get("x-cache") === "hit") hits++;
      catalogQueries += n;
    }

    console.info(`catalog reads answered from the cache: ${hits}/200 with 20 checkouts between them`);
    expect(hits / 200).toBeGreaterThanOrEqual(0.99);
    expect(catalogQueries).toBe(0);
    // And what they answered is exact: 20 units sold over three variants, 7 + 7 + 6.
    const [pageA, pageB] = await Promise.all([pageOf({ id: a!.id }), pageOf({ id: b!.id })]);
    expect([...pageA.data.variants, ...pageB.data.variants].map((v) => v.stock)).toEqual([93, 93, 94]);
  });
});
