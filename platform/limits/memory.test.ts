import { describe, expect, it } from "bun:test";
import { DAY, MINUTE, manualClock, SECOND } from "../clock.ts";
import { limitsContract } from "./limits.contract.ts";
import { memoryLimits } from "./memory.ts";

limitsContract("memory", async () => {
  const clock = manualClock();
  return { limits: memoryLimits({ clock }), advance: async (ms) => clock.advance(ms) };
});

describe("memory limits under a flood of keys", () => {
  it("keeps a lockout through a flood of fresh keys five times its bound, and stays within the bound", async () => {
    const limits = memoryLimits({ maxCounters: 1_000 });
    await limits.hit("locked-pair", 15 * MINUTE, 10);
    for (let i = 0; i < 5_000; i++) await limits.hit(`flood:${i}`, 5 * MINUTE);
    expect(limits.size).toBeLessThanOrEqual(1_000);
    expect((await limits.hit("locked-pair", 15 * MINUTE, 0)).count).toBe(10);
  });

  it("drops expired counters before any live one", async () => {
    const clock = manualClock();
    const limits = memoryLimits({ maxCounters: 100, clock });
    for (let i = 0; i < 50; i++) await limits.hit(`short:${i}`, SECOND);
    for (let i = 0; i < 50; i++) await limits.hit(`long:${i}`, MINUTE);
    clock.advance(2 * SECOND);
    await limits.hit("newcomer", MINUTE);
    expect(limits.size).toBe(51);
    for (let i = 0; i < 50; i++) expect((await limits.hit(`long:${i}`, MINUTE, 0)).count).toBe(1);
  });

  it("when full of live counters, lets the fewest hits go first and, among equals, the window that ends soonest", async () => {
    const clock = manualClock();
    const limits = memoryLimits({ maxCounters: 10, clock });
    await limits.hit("known-address", 30 * DAY); // one success, remembered for a month
    await limits.hit("locked", 15 * MINUTE, 10);
    for (let i = 0; i < 8; i++) await limits.hit(`flood:${i}`, 5 * MINUTE);
    clock.advance(SECOND);
    await limits.hit("one-more", 5 * MINUTE);
    expect(limits.size).toBe(10);
    expect((await limits.hit("flood:0", 5 * MINUTE, 0)).count).toBe(0); // count 1, ends soonest
    for (let i = 0; i < 100; i++) await limits.hit(`flood:more:${i}`, 5 * MINUTE);
    expect((await limits.hit("known-address", 30 * DAY, 0)).count).toBe(1);
    expect((await limits.hit("locked", 15 * MINUTE, 0)).count).toBe(10);
  });

  it("counts an existing key at the bound without evicting anything", async () => {
    const limits = memoryLimits({ maxCounters: 3 });
    for (const k of ["a", "b", "c"]) await limits.hit(k, MINUTE);
    await limits.hit("a", MINUTE);
    expect(limits.size).toBe(3);
  });
});
