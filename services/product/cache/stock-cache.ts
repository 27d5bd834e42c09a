import type { Cache } from "../../../platform/cache/port.ts";
import { versionAt, type WritesSeen } from "./versions.ts";

/** A product's units on the shelf, by variant id. */
export type StockLevels = Readonly<Record<string, number>>;

/**
 * Each product's exact stock levels, cached apart from the catalog under a per-product version that
 * every stock movement replaces once it commits: a sale costs the catalog nothing, and a product
 * page still shows the units left at once. The version is read before the levels are loaded, so a
 * movement committing meanwhile leaves what this read stores under a version that is already gone.
 * `load` reads the levels of several products at once (every product it is given gets an entry).
 */
export function stockCache(
  cache: Cache,
  ttlMs: number,
  load: (productIds: readonly string[]) => Promise<ReadonlyMap<string, StockLevels>>,
  writes: WritesSeen,
) {
  const version = (productId: string) => versionAt(cache, `product:stock-version:${productId}`, writes);

  /** Several products' levels: hits from the cache, every miss loaded by one call of `load`. */
  async function levelsOf(productIds: readonly string[], minLsn?: string) {
    const ids = [...new Set(productIds)];
    const keys = await Promise.all(
      ids.map(async (id) => `product:stock:${id}:${await version(id).current(minLsn)}`),
    );
    const hits = await Promise.all(keys.map((key) => cache.get(key)));
    const found = new Map<string, StockLevels>();
    const missing: number[] = [];
    hits.forEach((hit, i) => {
      if (hit === null) missing.push(i);
      else found.set(ids[i]!, JSON.parse(hit) as StockLevels);
    });
    if (missing.length === 0) return found;
    const loaded = await load(missing.map((i) => ids[i]!));
    await Promise.all(
      missing.map((i) => {
        const levels = loaded.get(ids[i]!) ?? {};
        found.set(ids[i]!, levels);
        return cache.set(keys[i]!, JSON.stringify(levels), ttlMs);
      }),
    );
    return found;
  }

  return {
    /**
     * The version a product's levels are cached under now (held in memory: a plain string while the
     * cache vouches for it); it changes with every stock movement of the product.
     */
    version: (productId: string, minLsn?: string) => version(productId).current(minLsn),
    /** `minLsn`: the caller's last write (by default the current request's), which it must see. */
    async levels(productId: string, minLsn?: string): Promise<StockLevels> {
      return (await levelsOf([productId], minLsn)).get(productId)!;
    },
    levelsOf,
    /** Call after stock movements commit: these products' next reads load their levels afresh. */
    moved: async (productIds: Iterable<string>) => {
      await Promise.all([...productIds].map((id) => version(id).bump()));
    },
  };
}

export type StockCache = ReturnType<typeof stockCache>;
