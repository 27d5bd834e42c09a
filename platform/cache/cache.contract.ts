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

    it("counts hits within a window and reports the time left", async () => {
      const first = await cache.hit(key("login"), 60_000);
      expect(first.count).toBe(1);
      expect(first.resetInMs).toBeGreaterThan(59_000);
      expect(first.resetInMs).toBeLessThanOrEqual(60_000);
      expect((await cache.hit(key("login"), 60_000)).count).toBe(2);
      expect((await cache.hit(key("login"), 60_000, 3)).count).toBe(5);
    });

    it("peeks with by = 0 without counting", async () => {
      await cache.hit(key("login"), 60_000);
      await cache.hit(key("login"), 60_000);
      const peek = await cache.hit(key("login"), 60_000, 0);
      expect(peek.count).toBe(2);
      expect(peek.resetInMs).toBeGreaterThan(0);
      expect((await cache.hit(key("login"), 60_000, 0)).count).toBe(2);
      expect((await cache.hit(key("login"), 60_000)).count).toBe(3);
    });

    it("does not open a window when peeking at a counter that was never hit", async () => {
      expect(await cache.hit(key("fresh"), 200, 0)).toEqual({ count: 0, resetInMs: 0 });
      await later(100);
      // Had the peek opened the window, it would close ~100 ms from now; it opens at the first hit.
      const first = await cache.hit(key("fresh"), 200);
      expect(first.count).toBe(1);
      expect(first.resetInMs).toBeGreaterThan(150);
    });

    it("starts counting again once the window has passed", async () => {
      await cache.hit(key("burst"), 150);
      expect((await cache.hit(key("burst"), 150)).count).toBe(2);
      await later(250);
      expect((await cache.hit(key("burst"), 150, 0)).count).toBe(0);
      const fresh = await cache.hit(key("burst"), 150);
      expect(fresh.count).toBe(1);
      expect(fresh.resetInMs).toBeGreaterThan(100);
    });

    it("keeps the window from the first hit: later hits do not extend it", async () => {
      await cache.hit(key("window"), 300);
      await later(150);
      const second = await cache.hit(key("window"), 300);
      expect(second.count).toBe(2);
      expect(second.resetInMs).toBeLessThanOrEqual(150);
    });

    it("gives 100 concurrent hits the distinct counts 1..100", async () => {
      const results = await Promise.all(Array.from({ length: 100 }, () => cache.hit(key("race"), 60_000)));
      const counts = results.map((r) => r.count).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect((await cache.hit(key("race"), 60_000, 0)).count).toBe(100);
    });
  });
}
