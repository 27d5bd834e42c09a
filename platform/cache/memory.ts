import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { Cache } from "./port.ts";

type Entry = { value: string; expiresAt: number };

/**
 * An in-process LRU with per-entry TTL: the embedded shape's cache.
 * @example const cache = memoryCache({ maxEntries: 10_000 });
 */
export function memoryCache({
  maxEntries = 10_000,
  clock = systemClock,
}: {
  maxEntries?: number;
  clock?: Clock;
} = {}): Cache {
  // A Map iterates in insertion order; re-inserting on read makes the first key the least recently used.
  const entries = new Map<string, Entry>();
  const now = () => clock.now().getTime();

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      entries.delete(key);
      return undefined;
    }
    return entry;
  };

  const put = (key: string, entry: Entry) => {
    entries.delete(key);
    entries.set(key, entry);
    if (entries.size > maxEntries) entries.delete(entries.keys().next().value as string);
  };

  return {
    kind: "memory",
    async get(key) {
      const entry = live(key);
      if (!entry) return null;
      put(key, entry);
      return entry.value;
    },
    async set(key, value, ttlMs) {
      put(key, { value, expiresAt: now() + ttlMs });
    },
    async del(...keys) {
      for (const key of keys) entries.delete(key);
    },
    async incr(key) {
      const next = Number(live(key)?.value ?? 0) + 1;
      put(key, { value: String(next), expiresAt: Number.POSITIVE_INFINITY });
      return next;
    },
    async hit(key, windowMs, by = 1) {
      const current = live(key);
      // A peek must not open a window: the window starts at the first real hit.
      if (!current && by === 0) return { count: 0, resetInMs: 0 };
      const entry = current ?? { value: "0", expiresAt: now() + windowMs };
      const count = Number(entry.value) + by;
      put(key, { value: String(count), expiresAt: entry.expiresAt });
      return { count, resetInMs: entry.expiresAt - now() };
    },
    async ping() {},
    async close() {
      entries.clear();
    },
  };
}
