import { requestPathRedis } from "../request-path-redis.ts";
import { redisCall, redisPeer } from "../telemetry/redis.ts";
import type { Cache } from "./port.ts";
import { redisWatch } from "./redis-watch.ts";

/** Redis takes whole milliseconds and rejects a zero or negative expiry. */
const wholeMs = (ms: number) => Math.max(1, Math.ceil(ms));

/**
 * The distributed shape's cache: one ioredis connection, auto-pipelined, so concurrent calls from
 * one event-loop tick share a round trip. Keys live under `prefix`, apart from the bus's streams and
 * other state in the same Redis. While Redis is away, calls fail at once (within half a second in the
 * outage's first quarter second) instead of queueing: wrap it in `resilientCache` to turn that into
 * misses. Watched keys are held in memory and kept current over pub/sub (redis-watch.ts).
 * @example const cache = redisCache("redis://127.0.0.1:6379"); await cache.set("k", "v", 60_000);
 */
export function redisCache(url: string, { prefix = "cache:" }: { prefix?: string } = {}) {
  const redis = requestPathRedis(url, "cache", {
    enableAutoPipelining: true,
    lazyConnect: false,
    keyPrefix: prefix,
    retryStrategy: (times) => Math.min(50 * times, 1_000),
  });
  const peer = redisPeer(url);
  const watched = redisWatch(redis, url, { prefix });

  const cache: Cache & { forgetAll(): Promise<void> } = {
    kind: "redis",
    get: (key) => redisCall("GET", peer, () => redis.get(key)),
    async set(key, value, ttlMs) {
      await redisCall("SET", peer, () => redis.set(key, value, "PX", wholeMs(ttlMs)));
    },
    async del(...keys) {
      if (keys.length > 0) await redisCall("DEL", peer, () => redis.del(...keys));
    },
    watch: watched.watch,
    caughtUp: watched.caughtUp,
    async ping() {
      await redis.ping();
    },
    async close() {
      watched.close();
      await redis.quit().catch(() => redis.disconnect());
    },
    /** Deletes every key under the prefix (and nothing else in the same Redis). */
    async forgetAll() {
      let cursor = "0";
      do {
        // SCAN matches full key names: keyPrefix is not applied to its pattern or its results.
        const [next, keys] = await redis.scan(cursor, "MATCH", `${prefix}*`, "COUNT", 1000);
        cursor = next;
        if (keys.length) await redis.unlink(...keys.map((k) => k.slice(prefix.length)));
      } while (cursor !== "0");
    },
  };
  return cache;
}
