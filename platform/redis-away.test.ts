import { afterAll, beforeAll, expect, it } from "bun:test";
import Redis from "ioredis";
import { describeWith, findBinary, waitFor } from "../test/support/binaries.ts";
import { type RedisServer, startRedis } from "../test/support/redis.ts";
import { redisCache } from "./cache/redis.ts";
import { resilientCache } from "./cache/resilient.ts";
import { redisLimits } from "./limits/redis.ts";
import type { Logger } from "./log.ts";
import { failFastWhileAway } from "./redis-away.ts";
import { failUnanswered } from "./redis-unanswered.ts";

const redisServer = findBinary("redis-server", ["/usr/bin/redis-server"]);

/** What ioredis says when it refuses a command instead of queueing it until Redis is back. */
const REFUSED = "Stream isn't writeable and enableOfflineQueue options is false";

/** How long `call` takes to settle, in ms, and why it failed. */
async function timed(call: () => Promise<unknown>) {
  const started = performance.now();
  const error = await call().then(
    () => undefined,
    (e: Error) => e.message,
  );
  return { ms: performance.now() - started, error };
}

/**
 * The middle of the waits: a test worker's event loop is now and then held for hundreds of ms (a GC,
 * another file's synchronous work, no CPU), which lengthens whichever call it falls into; a queued
 * call waits for every one (ioredis's reconnection or timeout, 50-500 ms).
 */
const median = (waits: number[]) => [...waits].sort((a, b) => a - b)[Math.floor(waits.length / 2)]!;

describeWith({ "redis-server": redisServer }, "a Redis connection through an outage", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server?.stop());

  it("refuses commands at once while Redis is away, instead of each waiting up to half a second, and serves them again once it is back", async () => {
    const redis = failFastWhileAway(
      failUnanswered(
        new Redis(server.url, { maxRetriesPerRequest: 1, commandTimeout: 500, retryStrategy: () => 50 }),
      ),
    );
    redis.on("error", () => {});
    const next = (event: "close" | "ready") => new Promise((happened) => redis.once(event, happened));
    // Sent before the first connection is up: queued, as ioredis does, and answered.
    expect(await redis.set("k", "before")).toBe("OK");

    const closed = next("close");
    await server.stop();
    await closed;
    await Bun.sleep(300); // past the grace a blip gets (250 ms from the close)
    const calls = [];
    for (let i = 0; i < 5; i++) calls.push(await timed(() => redis.get("k")));
    expect(calls.map((c) => c.error)).toEqual(Array(5).fill(REFUSED));
    expect(median(calls.map((c) => c.ms))).toBeLessThan(100);

    const ready = next("ready");
    await server.restart();
    await ready;
    expect(await redis.set("k", "after")).toBe("OK");
    expect(await redis.get("k")).toBe("after");
    redis.disconnect();
  }, 20_000);

  it("gives a cache miss and a count in the process at once while Redis is away (a request waited seconds through an outage)", async () => {
    const fellBackOn: unknown[] = [];
    const log: Logger = {
      debug() {},
      info() {},
      error() {},
      warn: (_msg, fields) => fellBackOn.push(fields?.error),
      request() {},
    };
    const store = redisCache(server.url);
    const cache = resilientCache(store, log);
    const limits = redisLimits(server.url);
    await cache.set("page", "cached", 60_000);
    await limits.hit("auth:login:ip:10.9.9.9", 60_000);

    await server.stop();
    // Both connections are past their grace once each refuses a call.
    const refuses = (call: () => Promise<unknown>) => async () => (await timed(call)).error === REFUSED;
    await waitFor(
      "the cache's connection to refuse",
      refuses(() => store.get("page")),
      5_000,
    );
    await waitFor(
      "the limits' connection to refuse",
      refuses(() => limits.hit("auth:login:ip:10.9.9.8", 60_000)),
      5_000,
    );
    const calls = [];
    for (let i = 0; i < 5; i++) {
      calls.push(await timed(async () => expect(await cache.get("page")).toBeNull()));
      calls.push(await timed(() => cache.set("page", "dropped", 60_000)));
      calls.push(await timed(() => limits.hit("auth:login:ip:10.9.9.9", 60_000)));
    }
    // The cache falls back to a miss; limits leave the caller to decide (a login fails closed).
    expect(calls.map((c) => c.error)).toEqual(Array(5).fill([undefined, undefined, REFUSED]).flat());
    expect(fellBackOn).toEqual([expect.objectContaining({ message: REFUSED })]);
    expect(median(calls.map((c) => c.ms))).toBeLessThan(100); // each waited up to 500 ms before

    await server.restart();
    await cache.close();
    await limits.close();
  }, 20_000);
});
