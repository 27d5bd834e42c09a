import { describe, expect, it } from "bun:test";
import { memoryCache } from "../../../platform/cache/memory.ts";
import { stockCache } from "./stock-cache.ts";
import { writesSeen } from "./versions.ts";

/** A shelf whose loads can be interleaved with a sale, as two requests would be. */
function shelf(levels: Record<string, number>) {
  const state = { levels, loads: 0, loaded: [] as string[][], duringLoad: async () => {} };
  const cache = memoryCache();
  const stock = stockCache(
    cache,
    60_000,
    async (productIds) => {
      state.loads++;
      state.loaded.push([...productIds]);
      const seen = { ...state.levels };
      await state.duringLoad();
      return new Map(productIds.map((id) => [id, seen]));
    },
    writesSeen(cache),
  );
  return { stock, state };
}

describe("the stock cache", () => {
  it("answers repeat reads from the cache until a movement of that product commits", async () => {
    const { stock, state } = shelf({ m: 3 });
    expect(await stock.levels("p1")).toEqual({ m: 3 });
    expect(await stock.levels("p1")).toEqual({ m: 3 });
    expect(state.loads).toBe(1);

    state.levels = { m: 2 };
    await stock.moved(["p2"]);
    expect(await stock.levels("p1")).toEqual({ m: 3 }); // another product's sale
    await stock.moved(["p1"]);
    expect(await stock.levels("p1")).toEqual({ m: 2 });
    expect(state.loads).toBe(2);
  });

  it("loads the products missing from the cache together, in one load, and only those", async () => {
    const { stock, state } = shelf({ m: 3 });
    await stock.levels("p1");
    const levels = await stock.levelsOf(["p1", "p2", "p3", "p2"]);
    expect([...levels.keys()].sort()).toEqual(["p1", "p2", "p3"]);
    expect(state.loaded).toEqual([["p1"], ["p2", "p3"]]);
    await stock.levelsOf(["p3", "p1"]);
    expect(state.loads).toBe(2);
  });

  it("never serves levels loaded before a sale that committed while they were being loaded", async () => {
    const { stock, state } = shelf({ m: 1 });
    state.duringLoad = async () => {
      // The sale commits after this read saw the old level, then bumps the version.
      state.levels = { m: 0 };
      await stock.moved(["p1"]);
    };
    expect(await stock.levels("p1")).toEqual({ m: 1 }); // this read raced the sale
    state.duringLoad = async () => {};
    expect(await stock.levels("p1")).toEqual({ m: 0 });
  });
});
