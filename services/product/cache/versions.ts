import type { Cache } from "../../../platform/cache/port.ts";
import { newId } from "../../../platform/ids.ts";

const FOREVER_MS = 365 * 24 * 3600 * 1000;

/**
 * A random version stored at `key`, for keys that embed it: `bump` after a write commits makes every
 * entry stored under the old version unreachable at once. Random versions never repeat (unlike a
 * counter that restarts), so a lost or evicted version can only cause misses, never stale hits.
 * @example const generation = versionAt(cache, "product:generation"); const v = await generation.current();
 */
export function versionAt(cache: Cache, key: string) {
  return {
    async current(): Promise<string> {
      const current = await cache.get(key);
      if (current) return current;
      const fresh = newId();
      await cache.set(key, fresh, FOREVER_MS);
      return fresh;
    },
    bump: () => cache.set(key, newId(), FOREVER_MS),
  };
}
