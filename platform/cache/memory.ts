import { LRUCache } from "lru-cache";
import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { Cache, Watched } from "./port.ts";

/**
 * An in-process LRU with per-entry TTL, bounded by entry count and by size (string length of keys
 * and values; an entry larger than the whole cache is not kept): the embedded shape's cache. Being
 * the only copy, a watched key is simply read from it.
 *
 * `lru-cache` keeps recency in arrays beside its Map: a read moves no Map entry. Moving one (a
 * delete and a set on every read) cost Bun's Map ~1 µs at 100 entries and 10–30 µs at 10,000, where
 * a cache filled by a flood of searches stays: a cached catalog read went from 16 to 59 µs (ADR 185).
 * @example const cache = memoryCache({ maxEntries: 10_000, maxChars: 64 * 1024 * 1024 });
 */
export function memoryCache({
  maxEntries = 10_000,
  maxChars = 64 * 1024 * 1024,
  clock = systemClock,
}: {
  maxEntries?: number;
  maxChars?: number;
  clock?: Clock;
} = {}): Cache {
  let dropped = 0;
  const entries = new LRUCache<string, string>({
    max: maxEntries,
    maxSize: maxChars,
    sizeCalculation: (value, key) => Math.max(1, key.length + value.length),
    // Per-entry expiry, read from `clock` on every check (its default reuses a reading for 1 ms).
    perf: { now: clock === systemClock ? () => Date.now() : () => clock.now().getTime() },
    ttlResolution: 0,
    // Evicted for room, expired, or deleted: a copy taken before no longer matches the cache.
    disposeAfter: (_value, _key, reason) => {
      if (reason !== "set") dropped++;
    },
  });
  const put = (key: string, value: string, ttlMs: number) => {
    entries.set(key, value, { ttl: ttlMs });
  };
  const read = (key: string) => entries.get(key) ?? null;

  return {
    kind: "memory",
    get: async (key) => read(key),
    async set(key, value, ttlMs) {
      put(key, value, ttlMs);
    },
    async del(...keys) {
      for (const key of keys) entries.delete(key);
    },
    dropped: () => dropped,
    watch: (key): Watched => ({
      held: () => read(key),
      read: async () => read(key),
      publish: async (value) => put(key, value, 0), // no expiry
    }),
    async caughtUp() {},
    async ping() {},
    async close() {
      entries.clear();
    },
  };
}
