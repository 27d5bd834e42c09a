import { constantTimeEqual } from "@oslojs/crypto/subtle";
import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";

/** Session lifetime rules: sliding expiry, renewed at half-life, never past the absolute cap. */
export type SessionPolicy = { ttlMs: number; maxAgeMs: number };

const randomPart = () => encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(20)));

/**
 * A new session credential: the token goes to the client once; only `secretHash` is stored.
 * The token is `<id>.<secret>`, 160 random bits each.
 */
export function mintSessionToken() {
  const id = randomPart();
  const secret = randomPart();
  return { id, token: `${id}.${secret}`, secretHash: hashSecret(secret) };
}

/** SHA-256 in hex, by Bun's native hash (the pure-JavaScript one cost ~17 µs on every signed-in request). */
export const hashSecret = (secret: string): string => Bun.SHA256.hash(secret, "hex");

/** Splits a presented token; null for anything that is not shaped like one of ours. */
export function parseSessionToken(token: string): { id: string; secret: string } | null {
  const match = /^([a-z2-7]{32})\.([a-z2-7]{32})$/.exec(token);
  return match ? { id: match[1]!, secret: match[2]! } : null;
}

/** Compares the presented secret with the stored hash in constant time. */
export function secretMatches(secret: string, storedHash: string) {
  const presented = new TextEncoder().encode(hashSecret(secret));
  const stored = new TextEncoder().encode(storedHash);
  return presented.length === stored.length && constantTimeEqual(presented, stored);
}

export function initialExpiry(now: Date, policy: SessionPolicy) {
  return new Date(Math.min(now.getTime() + policy.ttlMs, now.getTime() + policy.maxAgeMs));
}

/**
 * What to do with a stored session presented at `now`: reject it, keep it, or push its expiry out
 * (once less than half its sliding window is left), capped at `createdAt + maxAge`.
 */
export function checkExpiry(
  session: { createdAt: Date; expiresAt: Date },
  now: Date,
  policy: SessionPolicy,
): { status: "expired" } | { status: "valid" } | { status: "renew"; expiresAt: Date } {
  const hardLimit = session.createdAt.getTime() + policy.maxAgeMs;
  const t = now.getTime();
  if (t >= session.expiresAt.getTime() || t >= hardLimit) return { status: "expired" };
  const renewed = Math.min(t + policy.ttlMs, hardLimit);
  if (session.expiresAt.getTime() - t < policy.ttlMs / 2 && renewed > session.expiresAt.getTime()) {
    return { status: "renew", expiresAt: new Date(renewed) };
  }
  return { status: "valid" };
}

/**
 * Until when `checkExpiry` is sure to say "valid" for this session: before its expiry, before its cap,
 * and before less than half its sliding window is left (from then on a use may renew it). A copy of
 * the session may be accepted without asking the auth service until then.
 */
export function validWithoutRenewalUntil(
  session: { createdAt: Date; expiresAt: Date },
  policy: SessionPolicy,
) {
  const hardLimit = session.createdAt.getTime() + policy.maxAgeMs;
  return Math.min(session.expiresAt.getTime() - policy.ttlMs / 2, hardLimit);
}
