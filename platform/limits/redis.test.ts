import { afterAll, beforeAll, expect, it } from "bun:test";
import Redis from "ioredis";
import { describeWith, findBinary } from "../../test/support/binaries.ts";
import { type RedisServer, startRedis } from "../../test/support/redis.ts";
import { redisCache } from "../cache/redis.ts";
import { limitsContract } from "./limits.contract.ts";
import { redisLimits } from "./redis.ts";

const redisServer = findBinary("redis-server", ["/usr/bin/redis-server"]);

describeWith({ "redis-server": redisServer }, "redis limits", () => {
  let server: RedisServer;
  let admin: Redis;
  beforeAll(async () => {
    server = await startRedis();
    admin = new Redis(server.url);
  });
  afterAll(async () => {
    await admin?.quit();
    await server?.stop();
  });

  limitsContract("redis", async () => ({ limits: redisLimits(server.url) }));

  it("keeps each counter under its own prefix with the window as its TTL, apart from cache keys", async () => {
    const limits = redisLimits(server.url);
    const cache = redisCache(server.url);
    try {
      await cache.set("auth:login:ip:10.1.1.1", "cached", 60_000);
      await limits.hit("auth:login:ip:10.1.1.1", 300_000, 7);
      expect(await admin.get("fastr:limits:auth:login:ip:10.1.1.1")).toBe("7");
      expect(await admin.pttl("fastr:limits:auth:login:ip:10.1.1.1")).toBeGreaterThan(299_000);
      await cache.del("auth:login:ip:10.1.1.1");
      expect((await limits.hit("auth:login:ip:10.1.1.1", 300_000, 0)).count).toBe(7);
    } finally {
      await limits.close();
      await cache.close();
    }
  });

  it("fails its ping on a server that may evict keys under memory pressure, and passes on one that may not", async () => {
    const limits = redisLimits(server.url);
    try {
      await admin.config("SET", "maxmemory", "64mb");
      await admin.config("SET", "maxmemory-policy", "allkeys-lru");
      await expect(limits.ping()).rejects.toThrow(
        /may evict rate-limit counters .*maxmemory-policy allkeys-lru/,
      );
      await admin.config("SET", "maxmemory-policy", "volatile-ttl");
      await expect(limits.ping()).rejects.toThrow(/maxmemory-policy noeviction/);
      await admin.config("SET", "maxmemory-policy", "noeviction");
      await limits.ping();
    } finally {
      await admin.config("SET", "maxmemory", "0");
      await limits.close();
    }
  });
});
