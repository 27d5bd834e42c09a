import { DomainError } from "../../contracts/errors.ts";
import type { Limits } from "../../platform/limits/port.ts";
import {
  addressBucket,
  type LoginLimits,
  loginVerdict,
  type SignupLimits,
  signupVerdict,
  throttled,
} from "./domain/throttle.ts";

// The address bucket never contains "|", so the first one splits a pair key unambiguously.
const keys = (email: string, ip: string) => {
  const address = addressBucket(ip);
  return {
    address: `auth:login:ip:${address}`,
    pair: `auth:login:pair:${address}|${email}`,
    account: `auth:login:account:${email}`,
    familiar: `auth:login:familiar:${address}|${email}`,
  };
};

/** While the limits store is away, sign-in fails closed: no guessing goes uncounted. */
const unavailable = () =>
  new DomainError(
    "TOO_MANY_REQUESTS",
    "AUTH.THROTTLE_UNAVAILABLE",
    "signing in is briefly unavailable; try again in a few seconds",
    { retryAfterSeconds: 5 },
  );

/** Infrastructure failures of the limits store, as opposed to a refusal. */
const storeFailure = (error: unknown) => !(error instanceof DomainError);

/**
 * Sign-in throttling on the limits port, checked before any password is verified; the rules are
 * in `domain/throttle.ts`. Only verified failures count against the account, so refused attempts
 * cannot keep a lock alive past its window.
 */
export function loginThrottle(limits: Limits, policy: LoginLimits) {
  return {
    /** Counts this attempt against its address and refuses it (429) if a limit is spent. */
    async admit(email: string, ip: string) {
      const k = keys(email, ip);
      const [address, pair, account, familiar] = await Promise.all([
        limits.hit(k.address, policy.ipWindowMs),
        limits.hit(k.pair, policy.pairWindowMs, 0),
        limits.hit(k.account, policy.accountWindowMs, 0),
        limits.hit(k.familiar, policy.familiarForMs, 0),
      ]).catch((error) => {
        throw storeFailure(error) ? unavailable() : error;
      });
      const verdict = loginVerdict({ address, pair, account, familiar: familiar.count > 0 }, policy);
      if (!verdict.admit) throw throttled("AUTH.THROTTLED", "sign-in attempts", verdict.retryAfterMs);
    },
    async failed(email: string, ip: string) {
      const k = keys(email, ip);
      await Promise.all([
        limits.hit(k.pair, policy.pairWindowMs),
        limits.hit(k.account, policy.accountWindowMs),
      ]);
    },
    /**
     * Clears the pair's failures and makes the address familiar to the account for another
     * `familiarForMs`. The account-wide count stays: a success must not hand a guesser elsewhere a
     * fresh budget.
     */
    async succeeded(email: string, ip: string) {
      const k = keys(email, ip);
      await limits.reset(k.pair, k.familiar);
      await limits.hit(k.familiar, policy.familiarForMs);
    },
  };
}

/** Sign-up throttling per client address, checked before the password is hashed. */
export function signupThrottle(limits: Limits, policy: SignupLimits) {
  return {
    async admit(ip: string) {
      // Sign-ups fail open while the store is away: the hash cost still bounds a flood.
      const attempts = await limits
        .hit(`auth:signup:ip:${addressBucket(ip)}`, policy.windowMs)
        .catch(() => null);
      if (!attempts) return;
      const verdict = signupVerdict(attempts, policy);
      if (!verdict.admit)
        throw throttled("AUTH.SIGNUP_THROTTLED", "sign-ups from your network", verdict.retryAfterMs);
    },
  };
}
