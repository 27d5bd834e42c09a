import { eq, inArray, sql } from "drizzle-orm";
import { money } from "../../../contracts/money.ts";
import type { ProductApi, VariantInfo } from "../../../contracts/product.ts";
import { appendToOutbox, event } from "../../../platform/bus/outbox.ts";
import type { Clock } from "../../../platform/clock.ts";
import { builtOnce } from "../../../platform/db/built-once.ts";
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

/** A row of the fresh variant read: the contract's fields, with the price and status as stored. */
type FreshVariant = Omit<VariantInfo, "price" | "purchasable"> & {
  price: number;
  currency: string;
  status: string;
};

/** Stock levels: fresh facts for the cart and the checkout (never cached), and staff's stock counts. */
export function stockLevels(db: Database, clock: Clock, policy: WritePolicy) {
  // The checkout reads its lines' variants through here: built once (ADR 178), whatever their number.
  const variantsById = builtOnce<FreshVariant>(
    db.primary,
    sql`
      select ${variants.id} as id, ${variants.productId} as "productId", ${variants.sku} as sku,
        ${products.title} as title, ${variants.title} as "variantTitle", ${products.image} as image,
        ${variants.price} as price, ${variants.currency} as currency, ${variants.stock} as stock,
        ${products.status} as status
      from ${variants} join ${products} on ${products.id} = ${variants.productId}
      where ${variants.id} = any(${sql.placeholder("ids")}::uuid[])`,
  );
  return {
    async variants(ids) {
      if (ids.length === 0) return [];
      const rows = await variantsById({ ids: [...ids] });
      return rows.map(({ price, currency, status, ...variant }) => ({
        ...variant,
        price: money(price, currency),
        purchasable: status === "active",
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
