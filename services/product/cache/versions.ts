import type { Cache } from "../../../platform/cache/port.ts";
import { newId } from "../../../platform/ids.ts";
import { lsnValue, requestScope } from "../../../platform/request-context.ts";

/**
 * Which writes this process has made sure its held versions include (ADR 134). A request carrying a
 * write position (`x-fastr-lsn`, ADR 014) at or past the newest one checked waits until the cache
 * has heard every publish made so far (one round trip) before trusting what is held: the writer's
 * own publish came before the position it was handed, so it reads its write. Only positions before
 * the newest checked are covered: an equal one may have been handed out after the check, when no
 * other write had moved the position since.
 */
export function writesSeen(cache: Cache) {
  let newest = -1n;
  return {
    covers: (lsn: string) => lsnValue(lsn) < newest,
    /** True once caught up (and `lsn` checked); false when the cache cannot say: read the store then. */
    async catchUp(lsn: string) {
      try {
        await cache.caughtUp();
      } catch {
        return false;
      }
      const value = lsnValue(lsn);
      if (value > newest) newest = value;
      return true;
    },
  };
}
export type WritesSeen = ReturnType<typeof writesSeen>;

/**
 * A random version stored at `key`, for keys that embed it: `bump` after a write commits makes every
 * entry stored under the old version unreachable at once. Random versions never repeat (unlike a
 * counter that restarts), so a lost or evicted version can only cause misses, never stale hits.
 * The version is held in memory (a watched key, ADR 134): `current` costs no round trip while the
 * cache vouches for it, and returns a plain string then.
 * @example const generation = versionAt(cache, "product:generation", writesSeen(cache)); const v = await generation.current();
 */
export function versionAt(cache: Cache, key: string, writes: WritesSeen) {
  const watched = cache.watch(key);
  const fresh = async () => {
    const version = newId();
    await watched.publish(version);
    return version;
  };
  const stored = async () => (await watched.read()) ?? (await fresh());
  const held = () => {
    const version = watched.held();
    return version ?? (version === null ? fresh() : stored());
  };

  return {
    /** `minLsn`: the caller's last write (by default the current request's), which it must see. */
    current(minLsn = requestScope()?.minLsn): string | Promise<string> {
      if (minLsn !== undefined && !writes.covers(minLsn))
        return writes.catchUp(minLsn).then((caughtUp) => (caughtUp ? held() : stored()));
      return held();
    },
    bump: () => watched.publish(newId()),
  };
}
