import { DomainError } from "../../../contracts/errors.ts";
import type { Cache } from "../../../platform/cache/port.ts";
import { MINUTE } from "../../../platform/clock.ts";

/**
 * Login throttling, checked before any password hashing. Two counters:
 * - per client address: every attempt, so one machine cannot spray many accounts;
 * - per account: failures only, in a short window, so a guesser is slowed down but the owner is
 *   locked out for at most `accountWindowMs` (and a success clears the count).
 */
export const loginLimits = {
  ipAttempts: 30,
  ipWindowMs: 5 * MINUTE,
  accountFailures: 10,
  accountWindowMs: 5 * MINUTE,
};

const ipKey = (ip: string) => `auth:login:ip:${ip}`;
const accountKey = (email: string) => `auth:login:account:${email}`;

const throttled = (resetInMs: number) =>
  new DomainError(
    "TOO_MANY_REQUESTS",
    "AUTH.THROTTLED",
    `too many sign-in attempts; try again in ${Math.max(1, Math.ceil(resetInMs / 1000))} seconds`,
    { retryAfterSeconds: Math.ceil(resetInMs / 1000) },
  );

export function loginThrottle(cache: Cache, limits = loginLimits) {
  return {
    /** Counts this attempt against the address and refuses it if either limit is spent. */
    async admit(email: string, ip: string) {
      const byIp = await cache.hit(ipKey(ip), limits.ipWindowMs);
      if (byIp.count > limits.ipAttempts) throw throttled(byIp.resetInMs);
      const byAccount = await cache.hit(accountKey(email), limits.accountWindowMs, 0);
      if (byAccount.count >= limits.accountFailures) throw throttled(byAccount.resetInMs);
    },
    async failed(email: string) {
      await cache.hit(accountKey(email), limits.accountWindowMs);
    },
    async succeeded(email: string) {
      await cache.del(accountKey(email));
    },
  };
}
