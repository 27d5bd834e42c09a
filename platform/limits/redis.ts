import type Redis from "ioredis";
import { requestPathRedis } from "../request-path-redis.ts";
import { redisCall, redisPeer } from "../telemetry/redis.ts";
import type { Limits } from "./port.ts";

/**
 * One round trip, atomic: count, open the window on the first hit only (PEXPIRE NX, Redis ≥ 7) and
 * report the time left. A peek (`by = 0`) reads without creating the key, so it never opens a window.
 */
const HIT = `
local by = tonumber(ARGV[2])
if by == 0 then
  local current = redis.call('GET', KEYS[1])
  if not current then return {0, 0} end
  return {tonumber(current), redis.call('PTTL', KEYS[1])}
end
local count = redis.call('INCRBY', KEYS[1], by)
redis.call('PEXPIRE', KEYS[1], ARGV[1], 'NX')
return {count, redis.call('PTTL', KEYS[1])}
`;

type WithHit = Redis & {
  fastrLimitHit(key: string, windowMs: number, by: number): Promise<[number, number]>;
};

/** Redis takes whole milliseconds and rejects a zero or negative expiry. */
const wholeMs = (ms: number) => Math.max(1, Math.ceil(ms));

/** The `maxmemory` and `maxmemory-policy` lines of `INFO memory`. */
function evictionSettings(info: string) {
  const field = (name: string) => new RegExp(`^${name}:(.*)$`, "m").exec(info)?.[1]?.trim();
  return { maxmemory: Number(field("maxmemory") ?? 0), policy: field("maxmemory_policy") ?? "noeviction" };
}

/**
 * The distributed shape's limits store: counters under their own key prefix, each expiring with its
 * window. Every key carries a TTL, so a Redis that evicts under memory pressure (any
 * `maxmemory-policy` but `noeviction` once `maxmemory` is set) could drop a lockout; `ping` refuses
 * such a server, so readiness fails loudly instead. Give limits their own Redis, or one with
 * `maxmemory-policy noeviction` (ADR 010).
 * @example const limits = redisLimits("redis://127.0.0.1:6379"); await limits.hit("auth:login:ip:10.0.0.1", 300_000);
 */
export function redisLimits(url: string, { prefix = "fastr:limits:" }: { prefix?: string } = {}): Limits {
  // Fail at once while Redis is away, instead of queueing: callers decide (login fails closed).
  const redis = requestPathRedis(url, "limits", {
    enableAutoPipelining: true,
    lazyConnect: false,
  }) as WithHit;
  redis.defineCommand("fastrLimitHit", { numberOfKeys: 1, lua: HIT });
  const keyOf = (key: string) => prefix + key;
  const peer = redisPeer(url);

  return {
    kind: "redis",
    async hit(key, windowMs, by = 1) {
      const [count, ttl] = await redisCall("EVALSHA fastrLimitHit", peer, () =>
        redis.fastrLimitHit(keyOf(key), wholeMs(windowMs), by),
      );
      return { count, resetInMs: Math.max(0, ttl) };
    },
    async reset(...keys) {
      if (keys.length > 0) await redisCall("DEL", peer, () => redis.del(...keys.map(keyOf)));
    },
    async ping() {
      const { maxmemory, policy } = evictionSettings(await redis.info("memory"));
      if (maxmemory > 0 && policy !== "noeviction") {
        throw new Error(
          `the limits Redis at ${redis.options.host}:${redis.options.port} may evict rate-limit counters (maxmemory ${maxmemory}, maxmemory-policy ${policy}): set maxmemory-policy noeviction there, or give limits a Redis of their own`,
        );
      }
    },
    async close() {
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
