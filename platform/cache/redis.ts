import Redis from "ioredis";
import type { Cache } from "./port.ts";

/** Redis takes whole milliseconds and rejects a zero or negative expiry. */
const wholeMs = (ms: number) => Math.max(1, Math.ceil(ms));

/**
 * The distributed shape's cache: one ioredis connection, auto-pipelined, so concurrent calls from
 * one event-loop tick share a round trip.
 * @example const cache = redisCache("redis://127.0.0.1:6379"); await cache.set("k", "v", 60_000);
 */
export function redisCache(url: string): Cache {
  const redis = new Redis(url, { enableAutoPipelining: true, lazyConnect: false });

  return {
    kind: "redis",
    get: (key) => redis.get(key),
    async set(key, value, ttlMs) {
      await redis.set(key, value, "PX", wholeMs(ttlMs));
    },
    async del(...keys) {
      if (keys.length > 0) await redis.del(...keys);
    },
    async ping() {
      await redis.ping();
    },
    async close() {
      await redis.quit();
    },
  };
}
