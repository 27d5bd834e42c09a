import { afterAll, beforeAll, expect, it } from "bun:test";
import { describeWith, findBinary } from "../../test/support/binaries.ts";
import { type RedisServer, startRedis } from "../../test/support/redis.ts";
import { silentLogger } from "../log.ts";
import { cacheContract } from "./cache.contract.ts";
import { redisCache } from "./redis.ts";
import { resilientCache } from "./resilient.ts";

const redisServer = findBinary("redis-server", ["/usr/bin/redis-server"]);

describeWith({ "redis-server": redisServer }, "redis cache", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server?.stop());

  cacheContract("redis", async () => ({ cache: redisCache(server.url) }));

  it("misses and drops writes while Redis is down, and forgets what it held before once it is back", async () => {
    const cache = resilientCache(redisCache(server.url), silentLogger);
    await cache.set("catalog:page-1", "before the outage", 60_000);
    expect(await cache.get("catalog:page-1")).toBe("before the outage");

    await server.stop();
    expect(await cache.get("catalog:page-1")).toBeNull();
    await cache.del("catalog:page-1"); // an invalidation that cannot reach the store
    await cache.set("catalog:page-2", "during the outage", 60_000);

    await server.restart();
    // The store may still hold the stale page (a Redis with persistence would): it must not be served.
    const stale = redisCache(server.url);
    await stale.set("catalog:page-1", "before the outage", 60_000);
    await stale.close();
    let value: string | null = "not yet";
    for (let tries = 0; tries < 50 && value !== null; tries++) {
      value = await cache.get("catalog:page-1");
      if (value !== null) await Bun.sleep(100);
    }
    expect(value).toBeNull();
    await cache.set("catalog:page-1", "after the outage", 60_000);
    expect(await cache.get("catalog:page-1")).toBe("after the outage");
    await cache.close();
  });
});
