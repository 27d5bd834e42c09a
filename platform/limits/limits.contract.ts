import { afterEach, beforeEach, describe, expect, it } from "bun:test";
import type { Limits } from "./port.ts";

export type OpenLimits = () => Promise<{
  limits: Limits;
  /** Moves the adapter's clock forward; without it the suite waits in real time (keep windows short). */
  advance?: (ms: number) => Promise<void>;
}>;

/**
 * The behaviour every limits adapter promises, run against each of them (memory, Redis).
 * Keys carry a per-test prefix, so adapters sharing one server do not see each other's counters.
 * @example limitsContract("memory", async () => ({ limits: memoryLimits() }));
 */
export function limitsContract(name: string, open: OpenLimits) {
  describe(`limits contract: ${name}`, () => {
    let limits: Limits;
    let later: (ms: number) => Promise<void>;
    let key: (k: string) => string;

    beforeEach(async () => {
      const opened = await open();
      limits = opened.limits;
      later = opened.advance ?? ((ms) => Bun.sleep(ms));
      const prefix = `contract:${crypto.randomUUID()}:`;
      key = (k) => prefix + k;
    });
    afterEach(() => limits.close());

    it("answers ping", async () => {
      await limits.ping();
    });

    it("counts hits within a window and reports the time left", async () => {
      const first = await limits.hit(key("login"), 60_000);
      expect(first.count).toBe(1);
      expect(first.resetInMs).toBeGreaterThan(59_000);
      expect(first.resetInMs).toBeLessThanOrEqual(60_000);
      expect((await limits.hit(key("login"), 60_000)).count).toBe(2);
      expect((await limits.hit(key("login"), 60_000, 3)).count).toBe(5);
    });

    it("keeps separate counts for separate keys", async () => {
      await limits.hit(key("a"), 60_000);
      await limits.hit(key("a"), 60_000);
      expect((await limits.hit(key("b"), 60_000)).count).toBe(1);
    });

    it("peeks with by = 0 without counting", async () => {
      await limits.hit(key("login"), 60_000);
      await limits.hit(key("login"), 60_000);
      const peek = await limits.hit(key("login"), 60_000, 0);
      expect(peek.count).toBe(2);
      expect(peek.resetInMs).toBeGreaterThan(0);
      expect((await limits.hit(key("login"), 60_000, 0)).count).toBe(2);
      expect((await limits.hit(key("login"), 60_000)).count).toBe(3);
    });

    it("does not open a window when peeking at a counter that was never hit", async () => {
      expect(await limits.hit(key("fresh"), 200, 0)).toEqual({ count: 0, resetInMs: 0 });
      await later(100);
      // Had the peek opened the window, it would close ~100 ms from now; it opens at the first hit.
      const first = await limits.hit(key("fresh"), 200);
      expect(first.count).toBe(1);
      expect(first.resetInMs).toBeGreaterThan(150);
    });

    it("starts counting again once the window has passed", async () => {
      await limits.hit(key("burst"), 150);
      expect((await limits.hit(key("burst"), 150)).count).toBe(2);
      await later(250);
      expect(await limits.hit(key("burst"), 150, 0)).toEqual({ count: 0, resetInMs: 0 });
      const fresh = await limits.hit(key("burst"), 150);
      expect(fresh.count).toBe(1);
      expect(fresh.resetInMs).toBeGreaterThan(100);
    });

    it("keeps the window from the first hit: later hits do not extend it", async () => {
      await limits.hit(key("window"), 300);
      await later(150);
      const second = await limits.hit(key("window"), 300);
      expect(second.count).toBe(2);
      expect(second.resetInMs).toBeLessThanOrEqual(150);
    });

    it("forgets reset counters, and only those; a reset counter opens a new window", async () => {
      await limits.hit(key("a"), 60_000, 4);
      await limits.hit(key("b"), 60_000, 4);
      await limits.hit(key("c"), 60_000, 4);
      await limits.reset(key("a"), key("b"), key("never-hit"));
      await limits.reset();
      expect(await limits.hit(key("a"), 60_000, 0)).toEqual({ count: 0, resetInMs: 0 });
      expect((await limits.hit(key("c"), 60_000, 0)).count).toBe(4);
      const reopened = await limits.hit(key("b"), 200);
      expect(reopened.count).toBe(1);
      expect(reopened.resetInMs).toBeLessThanOrEqual(200);
    });

    it("gives 100 concurrent hits the distinct counts 1..100", async () => {
      const results = await Promise.all(Array.from({ length: 100 }, () => limits.hit(key("race"), 60_000)));
      const counts = results.map((r) => r.count).sort((a, b) => a - b);
      expect(counts).toEqual(Array.from({ length: 100 }, (_, i) => i + 1));
      expect((await limits.hit(key("race"), 60_000, 0)).count).toBe(100);
    });
  });
}
