import { describe, expect, it } from "bun:test";
import { manualClock } from "../clock.ts";
import { cacheContract } from "./cache.contract.ts";
import { memoryCache } from "./memory.ts";

cacheContract("memory", async () => {
  const clock = manualClock();
  const cache = memoryCache({ clock });
  return { cache, other: cache, advance: async (ms) => clock.advance(ms) };
});

describe("memory cache", () => {
  it("evicts the least recently used key when over maxEntries", async () => {
    const cache = memoryCache({ maxEntries: 2 });
    await cache.set("a", "a", 60_000);
    await cache.set("b", "b", 60_000);
    await cache.get("a"); // now b is the least recently used
    await cache.set("c", "c", 60_000);
    expect(await cache.get("b")).toBeNull();
    expect(await cache.get("a")).toBe("a");
    expect(await cache.get("c")).toBe("c");
  });

  it("evicts the least recently used entries when the stored text outgrows maxChars", async () => {
    const cache = memoryCache({ maxChars: 250 });
    await cache.set("a", "x".repeat(100), 60_000);
    await cache.set("b", "y".repeat(100), 60_000);
    await cache.get("a");
    await cache.set("c", "z".repeat(100), 60_000);
    expect(await cache.get("b")).toBeNull();
    expect(await cache.get("a")).toHaveLength(100);
    expect(await cache.get("c")).toHaveLength(100);
    await cache.set("a", "short", 60_000); // replacing a value gives its room back
    await cache.set("d", "w".repeat(100), 60_000);
    expect(await cache.get("c")).toHaveLength(100);
  });

  it("counts the entries it dropped (for room, expired or deleted), not the ones it replaced", async () => {
    const clock = manualClock();
    const cache = memoryCache({ maxEntries: 2, clock });
    await cache.set("a", "1", 1_000);
    await cache.set("a", "2", 1_000); // replaced
    await cache.set("b", "b", 60_000);
    expect(cache.dropped?.()).toBe(0);
    await cache.set("c", "c", 60_000); // a makes room
    await cache.del("b", "nothing-there");
    clock.advance(120_000);
    expect(await cache.get("c")).toBeNull(); // expired
    expect(cache.dropped?.()).toBe(3);
  });
});
