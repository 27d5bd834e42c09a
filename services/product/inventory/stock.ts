import { eq, inArray } from "drizzle-orm";
import { money } from "../../../contracts/money.ts";
import type { ProductApi } from "../../../contracts/product.ts";
import { appendToOutbox, event } from "../../../platform/bus/outbox.ts";
import type { Clock } from "../../../platform/clock.ts";
import type { Database, Executor } from "../../../platform/db/port.ts";
import type { WritePolicy } from "../cache/policy.ts";
import type { StockLevels } from "../cache/stock-cache.ts";
import { refreshListing } from "../catalog/refresh-listing.ts";
import { toVariant } from "../catalog/rows.ts";
import { outbox, products, variants } from "../db/schema.ts";
import { productErrors } from "../domain/product.errors.ts";

/**
 * Products' units on the shelf, by variant, in one statement: what a product page and a cart show
 * besides the cached catalog.
 */
export async function stockLevelsOf(
  ex: Executor,
  productIds: readonly string[],
): Promise<Map<string, StockLevels>> {
  const rows = await ex
    .select({ id: variants.id, productId: variants.productId, stock: variants.stock })
    .from(variants)
    .where(inArray(variants.productId, [...productIds]));
  const levels = new Map<string, Record<string, number>>(productIds.map((id) => [id, {}]));
  for (const r of rows) levels.get(r.productId)![r.id] = r.stock;
  return levels;
}

/** Stock levels: fresh facts for the cart and the checkout (never cached), and staff's stock counts. */
export function stockLevels(db: Database, clock: Clock, policy: WritePolicy) {
  return {
    async variants(ids) {
      if (ids.length === 0) return [];
      const rows = await db.primary
        .select({
          variant: variants,
          product: { title: products.title, image: products.image, status: products.status },
        })
        .from(variants)
        .innerJoin(products, eq(products.id, variants.productId))
        .where(inArray(variants.id, [...ids]));
      return rows.map(({ variant, product }) => ({
        id: variant.id,
        productId: variant.productId,
        sku: variant.sku,
        title: product.title,
        variantTitle: variant.title,
        image: product.image,
        price: money(variant.price, variant.currency),
        stock: variant.stock,
        purchasable: product.status === "active",
      }));
    },

    setStock: ({ variantId, stock }) =>
      policy.catalogWrite(async (tx, effect) => {
        const [row] = await tx.update(variants).set({ stock }).where(eq(variants.id, variantId)).returning();
        if (!row) throw productErrors.variantNotFound();
        effect.moved.add(row.productId);
        await refreshListing(tx, clock, row.productId);
        await appendToOutbox(tx, outbox, [
          event(
            "product.stock_changed@1",
            row.productId,
            { productId: row.productId, variantId, stock },
            clock,
          ),
        ]);
        return toVariant(row);
      }),
  } satisfies Pick<ProductApi, "variants" | "setStock">;
}
