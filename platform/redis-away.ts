import type Redis from "ioredis";

/**
 * Makes a Redis connection refuse commands at once while Redis has been away for longer than
 * `graceMs`, and queue them again once it is back (ADR 163). ioredis queues a command sent while it
 * reconnects until a reconnection fails or `commandTimeout` passes, up to half a second here: a request
 * that reads the cache, a limit and a nonce, in each process it crossed, waited seconds per request
 * through an outage, where its fallbacks (a miss, counting in the process) were ready at once. The
 * grace keeps a blip from failing the commands a reconnection would have carried.
 * @example const redis = failFastWhileAway(new Redis(url, { commandTimeout: 500 }));
 */
export function failFastWhileAway<R extends Redis>(redis: R, graceMs = 250): R {
  const configured = redis.options.enableOfflineQueue ?? true; // ioredis queues by default
  let away: Timer | undefined;
  const queueing = (on: boolean) => {
    clearTimeout(away);
    away = undefined;
    redis.options.enableOfflineQueue = on;
  };
  redis.on("close", () => {
    away ??= setTimeout(() => queueing(false), graceMs);
    away.unref();
  });
  redis.on("ready", () => queueing(configured));
  redis.once("end", () => clearTimeout(away));
  return redis;
}
