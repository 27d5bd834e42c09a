import type { User } from "../../contracts/auth.ts";
import type { Cache } from "../../platform/cache/port.ts";

/**
 * A session row as validation needs it, with dates as epoch milliseconds, and until when it may be
 * accepted as it is (`validWithoutRenewalUntil`: a reader outside the auth service needs no policy).
 */
export type CachedSession = {
  secretHash: string;
  createdAt: number;
  expiresAt: number;
  validUntil: number;
  user: User;
};

const sessionKey = (sessionId: string) => `auth:session:${sessionId}`;

/**
 * Validated sessions kept in the cache port for a short while, so a signed-in request costs no
 * database round trip. Whatever ends a session or changes its user forgets it at once; the TTL only
 * bounds staleness for a change made outside this service.
 */
export function sessionCache(cache: Cache, ttlMs = 60_000) {
  return {
    async get(sessionId: string): Promise<CachedSession | null> {
      const raw = await cache.get(sessionKey(sessionId));
      return raw === null ? null : (JSON.parse(raw) as CachedSession);
    },
    put: (sessionId: string, session: CachedSession) =>
      cache.set(sessionKey(sessionId), JSON.stringify(session), ttlMs),
    forget: async (sessionIds: readonly string[]) => {
      if (sessionIds.length) await cache.del(...sessionIds.map(sessionKey));
    },
  };
}
