import { DomainError } from "../../../contracts/errors.ts";

const MINUTE = 60_000;
const DAY = 24 * 60 * MINUTE;

/** A fixed-window counter: the count so far and how long until its window resets. */
export type Count = { count: number; resetInMs: number };

/**
 * Sign-in limits, after OWASP's guidance that throttling must not let an attacker lock the owner
 * out (ADR 011):
 * - per client address, every attempt: one machine cannot spray many accounts;
 * - per (account, address), failures: the pair that guesses is locked, nobody else;
 * - per account, failures from everywhere: a much higher bar that slows a guesser spread over many
 *   addresses; once reached it refuses only addresses the account has not signed in from lately,
 *   so the owner at a familiar address keeps working.
 */
export type LoginLimits = {
  ipAttempts: number;
  ipWindowMs: number;
  pairFailures: number;
  pairWindowMs: number;
  accountFailures: number;
  accountWindowMs: number;
  /** How long a successful sign-in makes its address familiar to the account. */
  familiarForMs: number;
};

export const loginLimits: LoginLimits = {
  ipAttempts: 30,
  ipWindowMs: 5 * MINUTE,
  pairFailures: 10,
  pairWindowMs: 15 * MINUTE,
  accountFailures: 100,
  accountWindowMs: 60 * MINUTE,
  familiarForMs: 30 * DAY,
};

/** Sign-ups per client address and window; the defaults come from configuration. */
export type SignupLimits = { attempts: number; windowMs: number };

/** What the counters say about one sign-in attempt, read before any password is verified. */
export type LoginCounts = {
  /** Attempts from this address, this one included. */
  address: Count;
  /** Failures of this account from this address. */
  pair: Count;
  /** Failures of this account from every address. */
  account: Count;
  /** The account signed in from this address within `familiarForMs`. */
  familiar: boolean;
};

export type Verdict = { admit: true } | { admit: false; retryAfterMs: number };

/** Admits a sign-in attempt, or refuses it until the last limit it hit resets. */
export function loginVerdict(counts: LoginCounts, limits: LoginLimits): Verdict {
  const spent = [
    counts.address.count > limits.ipAttempts && counts.address,
    counts.pair.count >= limits.pairFailures && counts.pair,
    !counts.familiar && counts.account.count >= limits.accountFailures && counts.account,
  ].filter((c): c is Count => c !== false);
  return refusedUntilAllReset(spent);
}

/** Admits a sign-up, or refuses it until the address's window resets. */
export function signupVerdict(attempts: Count, limits: SignupLimits): Verdict {
  return refusedUntilAllReset(attempts.count > limits.attempts ? [attempts] : []);
}

function refusedUntilAllReset(spent: readonly Count[]): Verdict {
  if (spent.length === 0) return { admit: true };
  return { admit: false, retryAfterMs: Math.max(...spent.map((c) => c.resetInMs)) };
}

/**
 * The address a limit counts: IPv4 as given (an IPv4-mapped IPv6 address as its IPv4), IPv6 by its
 * /64 prefix, since one subscriber usually holds a whole /64 and could otherwise mint a fresh
 * address per attempt. Anything else (`unknown`) is kept, shortened to bound key sizes.
 * @example addressBucket("2001:db8:1:2:aaaa::1") // "2001:db8:1:2::/64"
 */
export function addressBucket(ip: string): string {
  const address = ip.split("%")[0]!.toLowerCase();
  const mapped = /^::ffff:(\d{1,3}(?:\.\d{1,3}){3})$/.exec(address);
  if (mapped) return mapped[1]!;
  const groups = ipv6Groups(address);
  return groups ? `${groups.slice(0, 4).join(":")}::/64` : address.slice(0, 64);
}

/** The eight 16-bit groups of an IPv6 address (without leading zeros), or null if it is not one. */
function ipv6Groups(address: string): string[] | null {
  if (!address.includes(":") || !/^[0-9a-f:.]+$/.test(address)) return null;
  const halves = address.split("::");
  if (halves.length > 2) return null;
  const parse = (part: string) => (part === "" ? [] : part.split(":"));
  const head = parse(halves[0]!);
  const tail = halves.length === 2 ? parse(halves[1]!) : [];
  // An embedded IPv4 tail (::ffff:1.2.3.4, 64:ff9b::1.2.3.4) stands for two groups.
  const last = halves.length === 2 ? tail : head;
  if (last.at(-1)?.includes(".")) last.splice(-1, 1, "0", "0");
  const missing = 8 - head.length - tail.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const groups = [...head, ...Array<string>(halves.length === 2 ? missing : 0).fill("0"), ...tail];
  if (!groups.every((g) => /^[0-9a-f]{1,4}$/.test(g))) return null;
  return groups.map((g) => g.replace(/^0+(?=.)/, ""));
}

/** The refusal a throttled caller sees: 429 and, through the host, a Retry-After header. */
export function throttled(code: `AUTH.${string}`, what: string, retryAfterMs: number) {
  const seconds = Math.max(1, Math.ceil(retryAfterMs / 1000));
  return new DomainError("TOO_MANY_REQUESTS", code, `too many ${what}; try again in ${seconds} seconds`, {
    retryAfterSeconds: seconds,
  });
}
