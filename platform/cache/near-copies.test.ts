import { afterAll, beforeAll, expect, it } from "bun:test";
import { describeWith, findBinary } from "../../test/support/binaries.ts";
import { monitorRedis, type RedisServer, startRedis } from "../../test/support/redis.ts";
import { memoryCache } from "./memory.ts";
import { withNearCopies } from "./near-copies.ts";
import { redisCache } from "./redis.ts";

const redisServer = findBinary("redis-server", ["/usr/bin/redis-server"]);

describeWith({ "redis-server": redisServer }, "near copies of versioned entries", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server?.stop());

  /** The GETs Redis received while `work` ran. */
  const getsDuring = async (work: () => Promise<void>) =>
    (await monitorRedis(server.url, work)).filter((line) => /^"get"/i.test(line));

  it("answers what this process stored, and what another stored once read, without asking Redis again", async () => {
    const shared = redisCache(server.url);
    const elsewhere = redisCache(server.url);
    const cache = withNearCopies(shared);
    await cache.set("product:g1:page", "mine", 60_000);
    await elsewhere.set("product:g1:other", "theirs", 60_000);

    const gets = await getsDuring(async () => {
      for (let i = 0; i < 5; i++) {
        expect(await cache.get("product:g1:page")).toBe("mine");
        expect(await cache.get("product:g1:other")).toBe("theirs");
        expect(await cache.get("product:g1:missing")).toBeNull();
      }
    });
    // The other process's entry once, the missing one every time (a miss is not copied), nothing else.
    expect(gets.filter((g) => g.includes("other"))).toHaveLength(1);
    expect(gets.filter((g) => g.includes("missing"))).toHaveLength(5);
    expect(gets.filter((g) => g.includes("page"))).toEqual([]);

    await cache.del("product:g1:page");
    expect(await cache.get("product:g1:page")).toBeNull();
    expect(await elsewhere.get("product:g1:page")).toBeNull();
    await Promise.all([cache.close(), shared.close(), elsewhere.close()]);
  });

  it("keeps a copy no longer than it may live in Redis, nor than its own bound", async () => {
    const shared = redisCache(server.url);
    const cache = withNearCopies(shared, { maxAgeMs: 200 });
    await cache.set("product:g2:short", "v", 100);
    await shared.set("product:g2:long", "v", 60_000);
    expect(await cache.get("product:g2:long")).toBe("v");
    await shared.del("product:g2:long"); // as eviction would
    await Bun.sleep(250);
    expect(await cache.get("product:g2:short")).toBeNull();
    expect(await cache.get("product:g2:long")).toBeNull();
    await Promise.all([cache.close(), shared.close()]);
  });
});

it("leaves a memory cache as it is: it is this process's already", () => {
  const memory = memoryCache();
  expect(withNearCopies(memory)).toBe(memory);
});
