import { describe, expect, it } from "bun:test";
import { type OwnWritesCache, ownWritesCache } from "./own-writes.ts";

/** A database row as the test steers it: `load` answers what it holds when the test lets it. */
function steered(initial: string) {
  let value = initial;
  let loads = 0;
  return {
    set: (next: string) => {
      value = next;
    },
    loads: () => loads,
    /** Answers at once. */
    load: async () => {
      loads++;
      return value;
    },
    /** Reads the value now and answers when `release` is called: a read overtaken by a write. */
    heldLoad() {
      loads++;
      const read = value;
      const { promise, resolve } = Promise.withResolvers<string>();
      return { load: () => promise, release: () => resolve(read) };
    },
  };
}

const keepResult = (result: string) => result;

/** A write of `key` that commits `value` to `row` when the test calls `commit`, and holds its result. */
function slowWrite(held: OwnWritesCache<string>, row: ReturnType<typeof steered>, value: string, key = "k") {
  const { promise: committed, resolve: commit } = Promise.withResolvers<void>();
  const writing = held.write(
    key,
    async () => {
      await committed;
      row.set(value);
      return value;
    },
    keepResult,
  );
  return {
    commit() {
      commit();
      return writing;
    },
  };
}

describe("values held by the process that writes them", () => {
  it("loads a value once, then answers it from memory", async () => {
    const row = steered("a");
    const held = ownWritesCache<string>(10);
    expect(await held.read("k", row.load)).toBe("a");
    expect(await held.read("k", row.load)).toBe("a");
    expect(row.loads()).toBe(1);
  });

  it("holds what a write returns, and nothing when the write says nothing of the value", async () => {
    const row = steered("a");
    const held = ownWritesCache<string>(10);
    await held.read("k", row.load);
    await held.write("k", async () => "b", keepResult);
    expect(await held.read("k", row.load)).toBe("b");
    await held.write(
      "k",
      async () => "c",
      () => undefined,
    );
    row.set("c");
    expect(await held.read("k", row.load)).toBe("c");
    expect(row.loads()).toBe(2);
  });

  it("keeps nothing a load answered when a write of its key started meanwhile, whether it ended first or not", async () => {
    for (const writeEndsFirst of [true, false]) {
      const row = steered("old");
      const held = ownWritesCache<string>(10);
      const slow = row.heldLoad();
      const reading = held.read("k", slow.load);
      const write = slowWrite(held, row, "new");
      if (writeEndsFirst) {
        await write.commit();
        slow.release();
      } else {
        slow.release();
        await reading;
        await write.commit();
      }
      expect(await reading).toBe("old"); // it read before the write: a fair answer for that request
      expect(await held.read("k", row.load)).toBe("new");
    }
  });

  it("keeps nothing a load answered when it started while a write of its key was on its way", async () => {
    const row = steered("old");
    const held = ownWritesCache<string>(10);
    const write = slowWrite(held, row, "new");
    // Through a pool, this read may run on another connection before the write commits.
    const slow = row.heldLoad();
    const reading = held.read("k", slow.load);
    await write.commit();
    slow.release();
    expect(await reading).toBe("old");
    expect(await held.read("k", row.load)).toBe("new");
  });

  it("keeps nothing of two overlapping writes of one key, whichever ends last: either may have committed last", async () => {
    for (const firstEndsLast of [true, false]) {
      const row = steered("a");
      const held = ownWritesCache<string>(10);
      const first = slowWrite(held, row, "from the first");
      const second = slowWrite(held, row, "from the second");
      if (firstEndsLast) {
        await second.commit();
        await first.commit();
      } else {
        await first.commit();
        await second.commit();
      }
      row.set("committed");
      expect(await held.read("k", row.load)).toBe("committed");
    }
  });

  it("drops a value whose write failed, and leaves other keys held", async () => {
    const row = steered("a");
    const held = ownWritesCache<string>(10);
    await held.read("k", row.load);
    await held.read("other", row.load);
    const failing = held.write(
      "k",
      async () => {
        throw new Error("lost connection");
      },
      () => "never",
    );
    expect(failing).rejects.toThrow("lost connection");
    await failing.catch(() => {});
    row.set("b");
    expect(await held.read("k", row.load)).toBe("b");
    expect(await held.read("other", row.load)).toBe("a");
  });

  it("loads again every key a change names, and every key after a change of everything, loads in flight included", async () => {
    const row = steered("a");
    const held = ownWritesCache<string>(10);
    await held.read("k", row.load);
    await held.read("other", row.load);
    row.set("b");
    await held.change(["k"], async () => {});
    expect(await held.read("k", row.load)).toBe("b");
    expect(await held.read("other", row.load)).toBe("a");

    const slow = row.heldLoad();
    const reading = held.read("third", slow.load);
    await held.changeEverything(async () => row.set("c"));
    slow.release();
    expect(await reading).toBe("b");
    expect(await held.read("third", row.load)).toBe("c");
    expect(await held.read("other", row.load)).toBe("c");
  });

  it("holds at most its bound, forgetting the least recently read", async () => {
    const row = steered("a");
    const held = ownWritesCache<string>(2);
    await held.read("1", row.load);
    await held.read("2", row.load);
    await held.read("1", row.load);
    await held.read("3", row.load);
    expect(row.loads()).toBe(3);
    await held.read("1", row.load);
    expect(row.loads()).toBe(3);
    await held.read("2", row.load);
    expect(row.loads()).toBe(4);
  });
});
