import { memoryCache } from "./memory.ts";
import type { Cache } from "./port.ts";

/**
 * A shared cache whose entries this process also keeps a copy of, for keys that name the version of
 * what they hold (a catalog generation, a stock version): such a key never gets a newer value, a
 * change comes under a new key, so a copy can be served without asking Redis and is never stale.
 * Keys whose value changes in place (a session, anything deleted on a change) must not go through it.
 * The copies are bounded in count and size and kept at most `maxAgeMs`; a memory cache is returned
 * as it is (it is already in this process). Closing it drops the copies only: the shared cache is
 * its owner's to close.
 * @example const catalog = catalogCache(withNearCopies(ports.cache), ttlMs, writes);
 */
export function withNearCopies(
  shared: Cache,
  { maxEntries = 2_000, maxChars = 16 * 1024 * 1024, maxAgeMs = 60_000 } = {},
): Cache {
  if (shared.kind === "memory") return shared;
  const copies = memoryCache({ maxEntries, maxChars });
  return {
    kind: shared.kind,
    async get(key) {
      const copy = await copies.get(key);
      if (copy !== null) return copy;
      const value = await shared.get(key);
      if (value !== null) await copies.set(key, value, maxAgeMs);
      return value;
    },
    async set(key, value, ttlMs) {
      await shared.set(key, value, ttlMs);
      await copies.set(key, value, Math.min(ttlMs, maxAgeMs));
    },
    async del(...keys) {
      await copies.del(...keys);
      await shared.del(...keys);
    },
    // Copies are what this process holds of it: they are what a copy of a copy must still match.
    dropped: () => copies.dropped!(),
    watch: (key) => shared.watch(key),
    caughtUp: () => shared.caughtUp(),
    ping: () => shared.ping(),
    close: () => copies.close(),
  };
}
