import { describe, expect, it } from "bun:test";
import { backoff } from "./retry.ts";

describe("backoff", () => {
  const policy = { attempts: 8, baseDelayMs: 100, maxDelayMs: 1_000 };

  it("doubles the step each attempt up to the cap, waiting anywhere below it by default", () => {
    for (let i = 0; i < 200; i++) {
      expect(backoff(1, policy)).toBeLessThan(100);
      expect(backoff(3, policy)).toBeLessThan(400);
      expect(backoff(10, policy)).toBeLessThan(1_000);
    }
  });

  it("waits at least half the step with equal jitter", () => {
    for (let i = 0; i < 200; i++) {
      const wait = backoff(3, { ...policy, jitter: "equal" });
      expect(wait).toBeGreaterThanOrEqual(200);
      expect(wait).toBeLessThan(400);
    }
  });
});
