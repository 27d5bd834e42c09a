import type { Logger } from "../log.ts";
import type { Cache, Watched } from "./port.ts";

/**
 * A cache that never fails a request: while the store is away, reads miss and writes are dropped, so
 * requests go to the database (slower, still correct). A dropped write could be an invalidation, so
 * once the store answers again everything cached before is forgotten (`forgetAll`) before it is
 * trusted: stale answers never outlive an outage. Held values are not vouched for until then either.
 * @example const cache = resilientCache(redisCache(url), log);
 */
export function resilientCache(inner: Cache & { forgetAll(): Promise<void> }, log: Logger): Cache {
  let lostWrites = false;
  let recovering: Promise<void> | null = null;
  let warned = false;

  const down = (error: unknown) => {
    if (!warned) log.warn("cache unavailable; serving from the database", { error });
    warned = true;
  };
  /** After an outage with dropped writes, wipe what the store holds before reading from it again. */
  const usable = async () => {
    if (!lostWrites) return true;
    recovering ??= inner
      .forgetAll()
      .then(() => {
        lostWrites = false;
        warned = false;
        log.info("cache is back; entries from before the outage were forgotten");
      })
      .finally(() => {
        recovering = null;
      });
    await recovering.catch(() => {});
    return !lostWrites;
  };
  const write = async (op: () => Promise<void>) => {
    try {
      if (await usable()) return await op();
    } catch (error) {
      down(error);
    }
    lostWrites = true;
  };

  const read = async (get: () => Promise<string | null>) => {
    try {
      return (await usable()) ? await get() : null;
    } catch (error) {
      down(error);
      return null;
    }
  };

  return {
    kind: inner.kind,
    get: (key) => read(() => inner.get(key)),
    set: (key, value, ttlMs) => write(() => inner.set(key, value, ttlMs)),
    del: (...keys) => write(() => inner.del(...keys)),
    watch(key): Watched {
      const watched = inner.watch(key);
      return {
        held: () => (lostWrites ? undefined : watched.held()),
        read: () => read(() => watched.read()),
        publish: (value) => write(() => watched.publish(value)),
      };
    },
    caughtUp: () => (lostWrites ? Promise.reject(new Error("cache is recovering")) : inner.caughtUp()),
    ping: () => inner.ping(),
    close: () => inner.close(),
  };
}
