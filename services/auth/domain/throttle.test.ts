import { describe, expect, it } from "bun:test";
import {
  addressBucket,
  type LoginCounts,
  loginLimits,
  loginVerdict,
  signupVerdict,
  throttled,
} from "./throttle.ts";

const limits = { ...loginLimits, ipAttempts: 30, pairFailures: 10, accountFailures: 100 };
const counts = (overrides: Partial<LoginCounts> = {}): LoginCounts => ({
  address: { count: 1, resetInMs: 300_000 },
  pair: { count: 0, resetInMs: 0 },
  account: { count: 0, resetInMs: 0 },
  familiar: false,
  ...overrides,
});

describe("login verdict", () => {
  it("admits an attempt while every count is under its limit", () => {
    expect(
      loginVerdict(
        counts({
          address: { count: 30, resetInMs: 1 },
          pair: { count: 9, resetInMs: 1 },
          account: { count: 99, resetInMs: 1 },
        }),
        limits,
      ),
    ).toEqual({ admit: true });
  });

  it("refuses an address past its attempts until its window resets", () => {
    expect(loginVerdict(counts({ address: { count: 31, resetInMs: 42_000 } }), limits)).toEqual({
      admit: false,
      retryAfterMs: 42_000,
    });
  });

  it("refuses a pair that has failed pairFailures times", () => {
    expect(loginVerdict(counts({ pair: { count: 10, resetInMs: 9_000 } }), limits)).toEqual({
      admit: false,
      retryAfterMs: 9_000,
    });
  });

  it("refuses an unfamiliar address once the account-wide failures reach their bar, but not a familiar one", () => {
    const account = { count: 100, resetInMs: 3_600_000 };
    expect(loginVerdict(counts({ account }), limits)).toEqual({ admit: false, retryAfterMs: 3_600_000 });
    expect(loginVerdict(counts({ account, familiar: true }), limits)).toEqual({ admit: true });
  });

  it("still locks a familiar address's own pair and its address limit", () => {
    expect(loginVerdict(counts({ familiar: true, pair: { count: 10, resetInMs: 5 } }), limits).admit).toBe(
      false,
    );
    expect(loginVerdict(counts({ familiar: true, address: { count: 31, resetInMs: 5 } }), limits).admit).toBe(
      false,
    );
  });

  it("asks the caller to wait until every spent limit has reset", () => {
    const verdict = loginVerdict(
      counts({ address: { count: 31, resetInMs: 10_000 }, pair: { count: 10, resetInMs: 700_000 } }),
      limits,
    );
    expect(verdict).toEqual({ admit: false, retryAfterMs: 700_000 });
  });
});

describe("signup verdict", () => {
  it("admits up to the limit and refuses the next until the window resets", () => {
    const policy = { attempts: 20, windowMs: 600_000 };
    expect(signupVerdict({ count: 20, resetInMs: 1_000 }, policy)).toEqual({ admit: true });
    expect(signupVerdict({ count: 21, resetInMs: 1_000 }, policy)).toEqual({
      admit: false,
      retryAfterMs: 1_000,
    });
  });
});

describe("throttled error", () => {
  it("says when to come back in whole seconds, at least one", () => {
    const error = throttled("AUTH.THROTTLED", "sign-in attempts", 1_200);
    expect(error).toMatchObject({ kind: "TOO_MANY_REQUESTS", code: "AUTH.THROTTLED" });
    expect(error.message).toBe("too many sign-in attempts; try again in 2 seconds");
    expect(error.details).toEqual({ retryAfterSeconds: 2 });
    expect(throttled("AUTH.THROTTLED", "x", 0).details).toEqual({ retryAfterSeconds: 1 });
  });
});

describe("address bucket", () => {
  it("keeps IPv4 addresses as they are, and unwraps IPv4-mapped IPv6", () => {
    expect(addressBucket("203.0.113.7")).toBe("203.0.113.7");
    expect(addressBucket("::ffff:203.0.113.7")).toBe("203.0.113.7");
  });

  it("counts IPv6 addresses by their /64, however they are written", () => {
    const bucket = "2001:db8:1:2::/64";
    expect(addressBucket("2001:db8:1:2:aaaa:bbbb:cccc:dddd")).toBe(bucket);
    expect(addressBucket("2001:0DB8:0001:0002::1")).toBe(bucket);
    expect(addressBucket("2001:db8:1:2::")).toBe(bucket);
    expect(addressBucket("fe80::1%eth0")).toBe("fe80:0:0:0::/64");
    expect(addressBucket("::1")).toBe("0:0:0:0::/64");
    expect(addressBucket("2001:db8:1:3::1")).not.toBe(bucket);
  });

  it("keeps anything that is not an address, bounded in length", () => {
    expect(addressBucket("unknown")).toBe("unknown");
    expect(addressBucket("1:2:3")).toBe("1:2:3");
    expect(addressBucket("x".repeat(500))).toHaveLength(64);
  });
});
