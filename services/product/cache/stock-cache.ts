import type { Cache } from "../../../platform/cache/port.ts";
import { versionAt, type WritesSeen } from "./versions.ts";

/** A product's units on the shelf, by variant id. */
export type StockLevels = Readonly<Record<string, number>>;

/**
 * Each product's exact stock levels, cached apart from the catalog under a per-product version that
 * every stock movement replaces once it commits: a sale costs the catalog nothing, and a product
 * page still shows the units left at once. The version is read before the levels are loaded, so a
 * movement committing meanwhile leaves what this read stores under a version that is already gone.
 */
export function stockCache(
  cache: Cache,
  ttlMs: number,
  load: (productId: string) => Promise<StockLevels>,
  writes: WritesSeen,
) {
  const version = (productId: string) => versionAt(cache, `product:stock-version:${productId}`, writes);

  return {
    /** `minLsn`: the caller's last write (by default the current request's), which it must see. */
    async levels(productId: string, minLsn?: string): Promise<StockLevels> {
      const key = `product:stock:${productId}:${await version(productId).current(minLsn)}`;
      const hit = await cache.get(key);
      if (hit !== null) return JSON.parse(hit) as StockLevels;
      const levels = await load(productId);
      await cache.set(key, JSON.stringify(levels), ttlMs);
      return levels;
    },
    /** Call after stock movements commit: these products' next reads load their levels afresh. */
    moved: async (productIds: Iterable<string>) => {
      await Promise.all([...productIds].map((id) => version(id).bump()));
    },
  };
}

export type StockCache = ReturnType<typeof stockCache>;
