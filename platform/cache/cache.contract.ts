import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { Cache } from "./port.ts";

export type OpenCache = () => Promise<{
  cache: Cache;
  /** Moves the adapter's clock forward; without it the suite waits in real time (keep TTLs short). */
  advance?: (ms: number) => Promise<void>;
}>;

/**
 * The behaviour every cache adapter promises, run against each of them (memory, Redis).
 * Keys carry a per-test prefix, so adapters sharing one server do not see each other's keys.
 * @example cacheContract("memory", async () => ({ cache: memoryCache() }));
 */
export function cacheContract(name: string, open: OpenCache) {
  describe(`cache contract: ${name}`, () => {
    let cache: Cache;
    let later: (ms: number) => Promise<void>;
    let key: (k: string) => string;

    beforeEach(async () => {
      const opened = await open();
      cache = opened.cache;
      later = opened.advance ?? ((ms) => Bun.sleep(ms));
      const prefix = `contract:${crypto.randomUUID()}:`;
      key = (k) => prefix + k;
    });
    afterEach(() => cache.close());

    it("answers ping", async () => {
      await cache.ping();
    });

    it("returns null for a key that was never set", async () => {
      expect(await cache.get(key("missing"))).toBeNull();
    });

    it("returns what was set, and the latest value after an overwrite", async () => {
      await cache.set(key("a"), '{"n":1}', 60_000);
      expect(await cache.get(key("a"))).toBe('{"n":1}');
      await cache.set(key("a"), "second", 60_000);
      expect(await cache.get(key("a"))).toBe("second");
    });

    it("forgets a value once its ttl has passed", async () => {
      await cache.set(key("short"), "v", 150);
      await cache.set(key("long"), "v", 60_000);
      expect(await cache.get(key("short"))).toBe("v");
      await later(250);
      expect(await cache.get(key("short"))).toBeNull();
      expect(await cache.get(key("long"))).toBe("v");
    });

    it("deletes several keys at once and leaves the others", async () => {
      for (const k of ["a", "b", "c"]) await cache.set(key(k), k, 60_000);
      await cache.del(key("a"), key("b"), key("never-set"));
      await cache.del();
      expect(await cache.get(key("a"))).toBeNull();
      expect(await cache.get(key("b"))).toBeNull();
      expect(await cache.get(key("c"))).toBe("c");
    });
  });
}
