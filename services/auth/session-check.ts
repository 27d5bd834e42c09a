import type { AuthApi, Session } from "../../contracts/auth.ts";
import type { Cache } from "../../platform/cache/port.ts";
import type { Clock } from "../../platform/clock.ts";
import { parseSessionToken, secretMatches } from "./domain/session.ts";
import { sessionCache } from "./session-cache.ts";

/**
 * Session checks for a process that does not host the auth service (ADR 175): a session the auth
 * service validated lately is read from the shared cache it keeps them in, its secret compared in
 * constant time, and accepted while it needs no renewal (`validUntil`); anything else (not cached,
 * renewal due, an entry of an older shape) goes to the auth service, which also fills the cache.
 * Whatever ends a session deletes its entry before the ending call returns (ADR 006), so a revoked
 * session fails here at once too: a missing entry only costs the call this saves.
 * @example const auth = { ...remoteAuth, validateSession: sessionCheck(remoteAuth, cache, clock) };
 */
export function sessionCheck(
  auth: Pick<AuthApi, "validateSession">,
  cache: Cache,
  clock: Clock,
): AuthApi["validateSession"] {
  const cached = sessionCache(cache);
  return async (token): Promise<Session | null> => {
    const parsed = parseSessionToken(token);
    if (!parsed) return null;
    const session = await cached.get(parsed.id);
    if (!session || !(clock.now().getTime() < session.validUntil)) return auth.validateSession(token);
    if (!secretMatches(parsed.secret, session.secretHash)) return null;
    return { id: parsed.id, user: session.user, expiresAt: new Date(session.expiresAt), renewed: false };
  };
}
