import { afterAll, beforeAll, expect, it } from "bun:test";
import Redis from "ioredis";
import { describeWith, findBinary } from "../test/support/binaries.ts";
import { type RedisServer, startRedis } from "../test/support/redis.ts";
import { redisCache } from "./cache/redis.ts";
import { resilientCache } from "./cache/resilient.ts";
import { redisLimits } from "./limits/redis.ts";
import { silentLogger } from "./log.ts";
import { failFastWhileAway } from "./redis-away.ts";

const redisServer = findBinary("redis-server", ["/usr/bin/redis-server"]);

/** How long `call` takes to settle, in ms, whether it resolves or rejects. */
async function timed(call: () => Promise<unknown>) {
  const started = performance.now();
  await call().catch(() => {});
  return performance.now() - started;
}

describeWith({ "redis-server": redisServer }, "a Redis connection through an outage", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server?.stop());

  it("refuses commands at once while Redis is away, instead of each waiting up to half a second, and serves them again once it is back", async () => {
    const redis = failFastWhileAway(
      new Redis(server.url, { maxRetriesPerRequest: 1, commandTimeout: 500, retryStrategy: () => 50 }),
    );
    redis.on("error", () => {});
    // Sent before the first connection is up: queued, as ioredis does, and answered.
    expect(await redis.set("k", "before")).toBe("OK");

    await server.stop();
    await Bun.sleep(400); // past the grace a blip gets
    const waits = [];
    for (let i = 0; i < 5; i++) waits.push(await timed(() => redis.get("k")));
    expect(Math.max(...waits)).toBeLessThan(100);
    await expect(redis.get("k")).rejects.toThrow();

    await server.restart();
    let answered = false;
    for (let tries = 0; tries < 100 && !answered; tries++) {
      answered = await redis.set("k", "after").then(
        () => true,
        () => false,
      );
      if (!answered) await Bun.sleep(50);
    }
    expect(answered).toBe(true);
    expect(await redis.get("k")).toBe("after");
    redis.disconnect();
  }, 20_000);

  it("gives a cache miss and a count in the process at once while Redis is away (a request waited seconds through an outage)", async () => {
    const cache = resilientCache(redisCache(server.url), silentLogger);
    const limits = redisLimits(server.url);
    await cache.set("page", "cached", 60_000);
    await limits.hit("auth:login:ip:10.9.9.9", 60_000);

    await server.stop();
    await Bun.sleep(400);
    const waits: number[] = [];
    for (let i = 0; i < 5; i++) {
      waits.push(await timed(async () => expect(await cache.get("page")).toBeNull()));
      waits.push(await timed(() => cache.set("page", "dropped", 60_000)));
      waits.push(await timed(() => limits.hit("auth:login:ip:10.9.9.9", 60_000)));
    }
    expect(Math.max(...waits)).toBeLessThan(100); // each waited up to 500 ms before
    await expect(limits.hit("auth:login:ip:10.9.9.9", 60_000)).rejects.toThrow();

    await server.restart();
    await cache.close();
    await limits.close();
  }, 20_000);
});
