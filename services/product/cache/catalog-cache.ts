import superjson from "superjson";
import type { Cache } from "../../../platform/cache/port.ts";
import { versionAt, type WritesSeen } from "./versions.ts";

/**
 * Cache-aside for catalog reads, keyed by the catalog's current generation. Every catalog cache key
 * embeds it (here and in the HTTP response cache); a change to what a listing or a product page
 * shows sets a fresh one (see policy.ts), so every earlier entry becomes unreachable at once, lists
 * included.
 */
export function catalogCache(cache: Cache, ttlMs: number, writes: WritesSeen) {
  const generation = versionAt(cache, "product:generation", writes);

  return {
    /** The current generation, held in memory (a plain string, no await, while the cache vouches for it). */
    generation: (minLsn?: string) => generation.current(minLsn),
    async read<T>(key: string, load: () => Promise<T>): Promise<T> {
      const full = `product:${await generation.current()}:${key}`;
      const hit = await cache.get(full);
      if (hit !== null) return superjson.parse<T>(hit);
      const value = await load();
      await cache.set(full, superjson.stringify(value), ttlMs);
      return value;
    },
    /**
     * Several entries at once (plain JSON values): hits from the cache, the rest loaded by one call
     * of `load` (given the keys missing; what it leaves out is not stored) and stored.
     */
    async readMany<T>(
      keys: readonly string[],
      load: (missing: string[]) => Promise<ReadonlyMap<string, T>>,
    ): Promise<Map<string, T>> {
      const prefix = `product:${await generation.current()}:`;
      const hits = await Promise.all(keys.map((key) => cache.get(prefix + key)));
      const found = new Map<string, T>();
      const missing: string[] = [];
      hits.forEach((hit, i) => {
        if (hit === null) missing.push(keys[i]!);
        else found.set(keys[i]!, JSON.parse(hit) as T);
      });
      if (missing.length === 0) return found;
      const loaded = await load(missing);
      await Promise.all(
        [...loaded].map(([key, value]) => {
          found.set(key, value);
          return cache.set(prefix + key, JSON.stringify(value), ttlMs);
        }),
      );
      return found;
    },
    /** Call after a write commits: the next read of anything goes to the database. */
    invalidate: () => generation.bump(),
  };
}

export type CatalogCache = ReturnType<typeof catalogCache>;
