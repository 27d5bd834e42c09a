import type { VariantInfo } from "../../../contracts/product.ts";
import type { CatalogCache } from "./catalog-cache.ts";
import type { StockCache } from "./stock-cache.ts";

/** What the catalog cache keeps of a variant: all a cart shows of it but its units left. */
type VariantFacts = Omit<VariantInfo, "stock">;

const keyOf = (variantId: string) => `variant:${variantId}`;

/**
 * Variants as a cart shows them, from the caches that serve product pages (ADR 146): a variant's facts
 * (names, price, whether it is sold) from the catalog cache, until the next staff write; its units
 * left from its product's stock levels, until that product's stock next moves. Variants whose facts
 * are not cached are read fresh, all in one statement, units included; products whose levels are not
 * cached are loaded together too. Unknown ids are left out.
 */
export function cachedVariants(
  catalog: CatalogCache,
  stock: StockCache,
  fresh: (ids: readonly string[]) => Promise<VariantInfo[]>,
) {
  return async (variantIds: readonly string[]): Promise<VariantInfo[]> => {
    const ids = [...new Set(variantIds)];
    if (ids.length === 0) return [];
    const read = new Map<string, VariantInfo>();
    const facts = await catalog.readMany<VariantFacts>(ids.map(keyOf), async (missing) => {
      const loaded = await fresh(missing.map((key) => key.slice(keyOf("").length)));
      for (const v of loaded) read.set(v.id, v);
      return new Map(loaded.map(({ stock: _, ...f }) => [keyOf(f.id), f]));
    });
    const cached = ids.flatMap((id) => (read.has(id) ? [] : (facts.get(keyOf(id)) ?? [])));
    const levels = await stock.levelsOf(cached.map((f) => f.productId));
    const unknown: string[] = [];
    for (const f of cached) {
      const units = levels.get(f.productId)?.[f.id];
      if (units === undefined) unknown.push(f.id);
      else read.set(f.id, { ...f, stock: units });
    }
    // A variant its product's cached levels do not list (added since they were loaded): read fresh.
    if (unknown.length > 0) for (const v of await fresh(unknown)) read.set(v.id, v);
    return ids.flatMap((id) => read.get(id) ?? []);
  };
}
