import { describe, expect, it } from "bun:test";
import { DAY } from "../../../platform/clock.ts";
import {
  checkExpiry,
  hashSecret,
  initialExpiry,
  mintSessionToken,
  parseSessionToken,
  secretMatches,
  validWithoutRenewalUntil,
} from "./session.ts";

const policy = { ttlMs: 30 * DAY, maxAgeMs: 90 * DAY };
const t0 = new Date("2030-01-01T00:00:00Z");
const at = (days: number) => new Date(t0.getTime() + days * DAY);

describe("session tokens", () => {
  it("mints 160-bit id and secret parts and stores only the secret's SHA-256", () => {
    const { id, token, secretHash } = mintSessionToken();
    const parsed = parseSessionToken(token)!;
    expect(parsed.id).toBe(id);
    expect(parsed.secret).toHaveLength(32); // 32 base32 chars = 160 bits
    expect(secretHash).toBe(hashSecret(parsed.secret));
    expect(token).not.toContain(secretHash);
  });

  it("never mints the same token twice", () => {
    const tokens = new Set(Array.from({ length: 1000 }, () => mintSessionToken().token));
    expect(tokens.size).toBe(1000);
  });

  it("matches the right secret only", () => {
    const { token, secretHash } = mintSessionToken();
    const { secret } = parseSessionToken(token)!;
    expect(secretMatches(secret, secretHash)).toBe(true);
    expect(
      secretMatches(
        secret.replace(/.$/, (c) => (c === "a" ? "b" : "a")),
        secretHash,
      ),
    ).toBe(false);
  });

  it("rejects tokens that are not shaped like ours", () => {
    for (const bad of [
      "",
      "abc",
      "a.b",
      `${"a".repeat(32)}.${"1".repeat(32)}`,
      `${"a".repeat(32)}${"a".repeat(32)}`,
    ]) {
      expect(parseSessionToken(bad)).toBeNull();
    }
  });
});

describe("session expiry", () => {
  const fresh = { createdAt: t0, expiresAt: initialExpiry(t0, policy) };

  it("is valid, without renewal, early in its window", () => {
    expect(checkExpiry(fresh, at(10), policy)).toEqual({ status: "valid" });
  });

  it("slides forward once less than half the window is left", () => {
    expect(checkExpiry(fresh, at(16), policy)).toEqual({ status: "renew", expiresAt: at(46) });
  });

  it("expires when the window passes unused", () => {
    expect(checkExpiry(fresh, at(30), policy)).toEqual({ status: "expired" });
  });

  it("never slides past the absolute cap", () => {
    const late = { createdAt: t0, expiresAt: at(80) };
    expect(checkExpiry(late, at(70), policy)).toEqual({ status: "renew", expiresAt: at(90) });
    expect(checkExpiry({ createdAt: t0, expiresAt: at(90) }, at(85), policy)).toEqual({ status: "valid" });
    expect(checkExpiry({ createdAt: t0, expiresAt: at(95) }, at(90), policy)).toEqual({ status: "expired" });
  });

  it("says until when a copy of the session may be accepted as it is: neither renewal nor expiry comes before", () => {
    expect(validWithoutRenewalUntil(fresh, policy)).toBe(at(15).getTime());
    const late = { createdAt: t0, expiresAt: at(95) };
    expect(validWithoutRenewalUntil(late, policy)).toBe(at(80).getTime());
    for (const session of [fresh, late, { createdAt: t0, expiresAt: at(90) }])
      for (let day = 0; day < 100; day += 0.25) {
        if (at(day).getTime() < validWithoutRenewalUntil(session, policy))
          expect(checkExpiry(session, at(day), policy)).toEqual({ status: "valid" });
      }
  });
});
