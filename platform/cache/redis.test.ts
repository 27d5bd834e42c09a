import { afterAll, beforeAll, expect, it } from "bun:test";
import Redis from "ioredis";
import { describeWith, findBinary } from "../../test/support/binaries.ts";
import { type RedisServer, startRedis } from "../../test/support/redis.ts";
import { silentLogger } from "../log.ts";
import { cacheContract } from "./cache.contract.ts";
import { redisCache } from "./redis.ts";
import { resilientCache } from "./resilient.ts";

const redisServer = findBinary("redis-server", ["/usr/bin/redis-server"]);

/** Polls `check` every 10 ms until it holds (or fails the test after `ms`). */
async function until(what: string, check: () => boolean | Promise<boolean>, ms = 5_000) {
  const deadline = performance.now() + ms;
  while (!(await check())) {
    if (performance.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await Bun.sleep(10);
  }
}

describeWith({ "redis-server": redisServer }, "redis cache", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server?.stop());

  cacheContract("redis", async () => ({ cache: redisCache(server.url), other: redisCache(server.url) }));

  it("misses and drops writes while Redis is down, and forgets what it held before once it is back", async () => {
    const cache = resilientCache(redisCache(server.url), silentLogger);
    await cache.set("catalog:page-1", "before the outage", 60_000);
    expect(await cache.get("catalog:page-1")).toBe("before the outage");

    await server.stop();
    expect(await cache.get("catalog:page-1")).toBeNull();
    await cache.del("catalog:page-1"); // an invalidation that cannot reach the store
    await cache.set("catalog:page-2", "during the outage", 60_000);

    await server.restart();
    // Calls fail at once until the connection is back (platform/redis-away.ts).
    await until("the cache to reach Redis again", () =>
      cache.ping().then(
        () => true,
        () => false,
      ),
    );
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

  /** A watcher holding "g1" at `key`, the process that publishes, and a plain connection to Redis. */
  async function held(key: string) {
    const cache = redisCache(server.url);
    const publisher = redisCache(server.url);
    const admin = new Redis(server.url);
    const watched = cache.watch(key);
    const holding = async () => {
      await watched.read();
      return watched.held() !== undefined;
    };
    await until("a confirmed subscription", holding);
    await publisher.watch(key).publish("g1");
    await cache.caughtUp();
    expect(watched.held()).toBe("g1");
    const close = async () => {
      await cache.close();
      await publisher.close();
      admin.disconnect();
    };
    return { cache, watched, publisher: publisher.watch(key), admin, close };
  }

  it("stops vouching for a held value when its subscription drops, so a publish missed meanwhile is read, never the old value held", async () => {
    const { cache, watched, publisher, admin, close } = await held("dropped");
    try {
      // The subscription is cut and the next publish goes out while nobody listens.
      await admin.call("CLIENT", "KILL", "TYPE", "pubsub");
      await publisher.publish("g2");
      await until("the drop to be noticed", () => watched.held() !== "g1");
      expect(watched.held()).toBeUndefined();
      const resubscribed = () =>
        cache.caughtUp().then(
          () => true,
          () => false,
        );
      await until("the subscription to be back", resubscribed);
      expect(watched.held()).toBeUndefined(); // what it held before the drop is forgotten, not trusted again
      expect(await watched.read()).toBe("g2");
      await until(
        "the value to be held again",
        async () => (await watched.read()) === "g2" && watched.held() === "g2",
      );
    } finally {
      await close();
    }
  });

  it("stops vouching for a held value when the subscription goes silent, though the connection stays open", async () => {
    const { watched, admin, close } = await held("silent");
    try {
      const silentFor = 3_000;
      await admin.client("PAUSE", silentFor, "ALL"); // every client's commands wait, PINGs included
      const pausedAt = performance.now();
      await until("the silence to be noticed", () => watched.held() === undefined, silentFor);
      expect(performance.now() - pausedAt).toBeLessThan(2_500);
    } finally {
      await close();
    }
  }, 10_000);
});
