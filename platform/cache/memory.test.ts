import { describe, expect, it } from "bun:test";
import { manualClock } from "../clock.ts";
import { cacheContract } from "./cache.contract.ts";
import { memoryCache } from "./memory.ts";

cacheContract("memory", async () => {
  const clock = manualClock();
  return { cache: memoryCache({ clock }), advance: async (ms) => clock.advance(ms) };
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
});
