import superjson from "superjson";
import type { Cache } from "../../../platform/cache/port.ts";
import { newId } from "../../../platform/ids.ts";

const GENERATION = "product:generation";
const FOREVER_MS = 365 * 24 * 3600 * 1000;

/**
 * The catalog's current generation. Every catalog cache key embeds it (here and in the HTTP response
 * cache); a write sets a fresh random one, so every earlier entry becomes unreachable at once (lists
 * included), and a lost or evicted generation can only cause misses, never stale hits.
 */
export async function catalogGeneration(cache: Cache): Promise<string> {
  const current = await cache.get(GENERATION);
  if (current) return current;
  const fresh = newId();
  await cache.set(GENERATION, fresh, FOREVER_MS);
  return fresh;
}

/** Cache-aside for catalog reads, keyed by the catalog generation. */
export function catalogCache(cache: Cache, ttlMs: number) {
  const generation = () => catalogGeneration(cache);

  return {
    async read<T>(key: string, load: () => Promise<T>): Promise<T> {
      const full = `product:${await generation()}:${key}`;
      const hit = await cache.get(full);
      if (hit !== null) return superjson.parse<T>(hit);
      const value = await load();
      await cache.set(full, superjson.stringify(value), ttlMs);
      return value;
    },
    /** Call after a write commits: the next read of anything goes to the database. */
    invalidate: () => cache.set(GENERATION, newId(), FOREVER_MS),
  };
}

export type CatalogCache = ReturnType<typeof catalogCache>;
