import { describe, expect, it } from "bun:test";
import { memoryCache } from "../../../platform/cache/memory.ts";
import { withRequestScope } from "../../../platform/request-context.ts";
import { versionAt, writesSeen } from "./versions.ts";

describe("a version held in memory", () => {
  const generation = () => {
    const cache = memoryCache();
    return versionAt(cache, "product:generation", writesSeen(cache));
  };

  it("answers without an await while held, and a new one after a bump", async () => {
    const version = generation();
    const first = await version.current();
    expect(version.current()).toBe(first);
    await version.bump();
    const second = version.current();
    expect(typeof second).toBe("string");
    expect(second).not.toBe(first);
  });

  it("makes a caller with a write position newer than any checked catch up first; older positions are covered", async () => {
    const version = generation();
    const held = await version.current();
    expect(version.current("0/10")).toBeInstanceOf(Promise); // catches up, then reads what is held
    expect(await version.current("0/10")).toBe(held);
    expect(version.current("0/9")).toBe(held);
    // The newest position checked is not covered: it may have been handed out after the check.
    expect(version.current("0/10")).toBeInstanceOf(Promise);
    expect(version.current("1/0")).toBeInstanceOf(Promise);
  });

  it("takes the write position of the current request when given none", async () => {
    const version = generation();
    await version.current();
    await withRequestScope({ requestId: "r1", minLsn: "0/20" }, async () => {
      expect(version.current()).toBeInstanceOf(Promise);
      await version.current();
    });
    expect(version.current("0/1F")).toBe(await version.current());
  });
});
