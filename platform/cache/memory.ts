import type { Clock } from "../clock.ts";
import { systemClock } from "../clock.ts";
import type { Cache, Watched } from "./port.ts";

type Entry = { value: string; expiresAt: number };

/**
 * An in-process LRU with per-entry TTL, bounded by entry count and by size (string length of keys
 * and values): the embedded shape's cache. Being the only copy, a watched key is simply read from it.
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
  // A Map iterates in insertion order; re-inserting on read makes the first key the least recently used.
  const entries = new Map<string, Entry>();
  let chars = 0;
  let dropped = 0;
  // Every read checks an expiry: the system clock is read without making a Date each time.
  const now = clock === systemClock ? Date.now : () => clock.now().getTime();

  const remove = (key: string) => {
    const entry = entries.get(key);
    if (!entry) return;
    entries.delete(key);
    chars -= key.length + entry.value.length;
  };

  const drop = (key: string) => {
    if (entries.has(key)) dropped++;
    remove(key);
  };

  const live = (key: string): Entry | undefined => {
    const entry = entries.get(key);
    if (!entry) return undefined;
    if (entry.expiresAt <= now()) {
      drop(key);
      return undefined;
    }
    return entry;
  };

  const put = (key: string, entry: Entry) => {
    remove(key);
    entries.set(key, entry);
    chars += key.length + entry.value.length;
    while (entries.size > maxEntries || (chars > maxChars && entries.size > 1)) {
      drop(entries.keys().next().value as string);
    }
  };

  const read = (key: string) => {
    const entry = live(key);
    if (!entry) return null;
    entries.delete(key);
    entries.set(key, entry);
    return entry.value;
  };

  return {
    kind: "memory",
    get: async (key) => read(key),
    async set(key, value, ttlMs) {
      put(key, { value, expiresAt: now() + ttlMs });
    },
    async del(...keys) {
      for (const key of keys) drop(key);
    },
    dropped: () => dropped,
    watch: (key): Watched => ({
      held: () => read(key),
      read: async () => read(key),
      publish: async (value) => put(key, { value, expiresAt: Number.POSITIVE_INFINITY }),
    }),
    async caughtUp() {},
    async ping() {},
    async close() {
      entries.clear();
      chars = 0;
    },
  };
}
