import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { Cache } from "./port.ts";

export type OpenCache = () => Promise<{
  cache: Cache;
  /** Moves the adapter's clock forward; without it the suite waits in real time (keep TTLs short). */
  advance?: (ms: number) => Promise<void>;
  /** Another process's view of the same store (for an in-process store, the same cache). */
  other: Cache;
}>;

/** Waits until the cache can vouch for what it holds (a subscription is made on first use). */
async function subscribed(cache: Cache) {
  for (let tries = 0; ; tries++) {
    try {
      return await cache.caughtUp();
    } catch (error) {
      if (tries > 100) throw error;
      await Bun.sleep(20);
    }
  }
}

/**
 * The behaviour every cache adapter promises, run against each of them (memory, Redis).
 * Keys carry a per-test prefix, so adapters sharing one server do not see each other's keys.
 * @example cacheContract("memory", async () => { const cache = memoryCache(); return { cache, other: cache }; });
 */
export function cacheContract(name: string, open: OpenCache) {
  describe(`cache contract: ${name}`, () => {
    let cache: Cache;
    let other: Cache;
    let later: (ms: number) => Promise<void>;
    let key: (k: string) => string;

    beforeEach(async () => {
      const opened = await open();
      cache = opened.cache;
      other = opened.other;
      later = opened.advance ?? ((ms) => Bun.sleep(ms));
      const prefix = `contract:${crypto.randomUUID()}:`;
      key = (k) => prefix + k;
    });
    afterEach(async () => {
      await cache.close();
      if (other !== cache) await other.close();
    });

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

    it("holds no value for a watched key before one is published, and says so once it has read it", async () => {
      const watched = cache.watch(key("generation"));
      expect(watched.held() ?? null).toBeNull();
      await subscribed(cache);
      expect(await watched.read()).toBeNull();
      expect(watched.held()).toBeNull();
    });

    it("holds what it published as soon as publish resolves, and get answers it too", async () => {
      const watched = cache.watch(key("generation"));
      await subscribed(cache);
      await watched.publish("g1");
      expect(watched.held()).toBe("g1");
      expect(await cache.get(key("generation"))).toBe("g1");
    });

    it("hears another process's publish: once caught up it holds the new value without reading", async () => {
      const mine = cache.watch(key("generation"));
      const theirs = other.watch(key("generation"));
      await subscribed(cache);
      await subscribed(other);
      await theirs.publish("g1");
      expect(await mine.read()).toBe("g1");

      await theirs.publish("g2");
      await cache.caughtUp();
      expect(mine.held()).toBe("g2");
    });

    it("ends with the latest of several publishes from several processes, held everywhere", async () => {
      const watchers = [cache.watch(key("v")), other.watch(key("v"))];
      await subscribed(cache);
      await subscribed(other);
      for (let i = 0; i < 6; i++) await watchers[i % 2]!.publish(`v${i}`);
      await Promise.all([cache.caughtUp(), other.caughtUp()]);
      for (const watched of watchers) {
        expect(watched.held()).toBe("v5");
        expect(await watched.read()).toBe("v5");
      }
    });
  });
}
