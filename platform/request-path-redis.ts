import Redis, { type RedisOptions } from "ioredis";
import { watchRedis } from "./metrics/redis.ts";
import { failFastWhileAway } from "./redis-away.ts";
import { failUnanswered } from "./redis-unanswered.ts";

/**
 * A Redis connection for calls made on a request's path (the cache, limits, nonces), whose callers
 * have a fallback ready: a command fails rather than waits — at once while Redis has been away
 * (ADR 163), and when Redis leaves it unanswered for 500 ms of the process running (ADR 164). Its
 * commands are counted in the Redis metrics under `name`; failures surface as rejected commands.
 * @example const redis = requestPathRedis(url, "cache", { keyPrefix: "cache:" });
 */
export function requestPathRedis(url: string, name: string, options: RedisOptions = {}) {
  const redis = watchRedis(
    failFastWhileAway(
      failUnanswered(new Redis(url, { maxRetriesPerRequest: 1, commandTimeout: 500, ...options })),
    ),
    name,
  );
  redis.on("error", () => {});
  return redis;
}
