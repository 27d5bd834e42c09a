import { afterAll, beforeAll, expect, it } from "bun:test";
import type { ProductApi } from "../../../contracts/product.ts";
import { checkout, readyBuyer } from "../../../test/support/buyers.ts";
import { callCounter } from "../../../test/support/call-counter.ts";
import { stockedProduct } from "../../../test/support/catalog.ts";
import { type EmbeddedShop, startEmbeddedShop } from "../../../test/support/shop.ts";
import { describeEmbedded } from "../../../test/support/target.ts";
import { cachedVariantsReader } from "./cached-variants-reader.ts";

/**
 * A process without the product service (a cluster's cart process) reads the variants it prices a
 * cart with from the caches the product service keeps (ADR 175). Here the shop's own product service
 * and its cache stand for the product process and Redis; each test counts the calls still made to it.
 */
describeEmbedded(
  "cached variants outside the product service",
  "needs the shop's product service and cache",
  () => {
    let shop: EmbeddedShop;
    const toProduct = callCounter();
    let read: ProductApi["cachedVariants"];
    beforeAll(async () => {
      shop = await startEmbeddedShop();
      const product = shop.services.product;
      read = cachedVariantsReader(shop.cache, {
        cachedVariants: toProduct.counting((ids: readonly string[]) => product.cachedVariants(ids)),
      });
    }, 30_000);
    afterAll(() => shop.stop());

    it("answers what the product service cached without a call, as the product service itself answers it", async () => {
      const { variantIds } = await stockedProduct(shop, [5, 7]);
      // Nothing cached yet: the service fills the caches (the variants' facts, then their units left).
      expect(await toProduct.callsOf(() => read(variantIds))).toBe(1);
      expect(await toProduct.callsOf(() => read(variantIds))).toBe(1);
      let answer: Awaited<ReturnType<typeof read>> = [];
      expect(await toProduct.callsOf(async () => (answer = await read(variantIds)))).toBe(0);
      expect(answer).toEqual(await shop.services.product.cachedVariants(variantIds));
      expect(answer.map((v) => v.stock)).toEqual([5, 7]);
    });

    it("shows the units left at once after a sale", async () => {
      const { variantIds } = await stockedProduct(shop, [5]);
      await read(variantIds);
      await checkout(await readyBuyer(shop, variantIds[0]!, 2));
      expect((await read(variantIds))[0]!.stock).toBe(3);
    });

    it("shows a staff price change at once", async () => {
      const { product, variantIds, staff } = await stockedProduct(shop, [5], 1000);
      await read(variantIds);
      await staff.product.update.mutate({
        id: product.id,
        variants: [{ id: variantIds[0]!, price: { amount: 1234, currency: "EUR" } }],
      });
      expect((await read(variantIds))[0]!.price).toEqual({ amount: 1234, currency: "EUR" });
    });

    it("leaves out an id no product has, as the product service does", async () => {
      expect(await read([crypto.randomUUID()])).toEqual([]);
    });
  },
);
