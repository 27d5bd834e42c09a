import { type Clock, systemClock } from "../clock.ts";
import type { Limits } from "./port.ts";

type Counter = { count: number; expiresAt: number };

/**
 * The embedded shape's limits store: a map of counters in this process, separate from every cache.
 * A counter goes when its window ends. Memory is still bounded, because an attacker can mint keys
 * (addresses, e-mails): when `maxCounters` is reached, expired counters are dropped first; only if
 * that leaves more than 90% of the bound (so a flood does not rescan the map on every new key) do
 * the least informative live counters go, fewest hits first and, among equals, the one whose window
 * ends soonest, down to 90%. A lockout is a counter at its limit, so pushing one out takes
 * `maxCounters` counters with more hits, each a real attempt (a failed sign-in costs a password
 * verification) made inside its window (ADR 010).
 * @example const limits = memoryLimits(); await limits.hit("auth:login:ip:10.0.0.1", 5 * MINUTE);
 */
export function memoryLimits({
  maxCounters = 100_000,
  clock = systemClock,
}: {
  maxCounters?: number;
  clock?: Clock;
} = {}): Limits & { readonly size: number } {
  const counters = new Map<string, Counter>();
  const now = () => clock.now().getTime();

  const live = (key: string): Counter | undefined => {
    const counter = counters.get(key);
    if (counter && counter.expiresAt <= now()) {
      counters.delete(key);
      return undefined;
    }
    return counter;
  };

  const makeRoom = () => {
    const t = now();
    for (const [key, counter] of counters) if (counter.expiresAt <= t) counters.delete(key);
    const excess = counters.size - Math.floor(maxCounters * 0.9);
    if (excess <= 0) return;
    const leastTelling = [...counters]
      .sort(([, a], [, b]) => a.count - b.count || a.expiresAt - b.expiresAt)
      .slice(0, excess);
    for (const [key] of leastTelling) counters.delete(key);
  };

  return {
    kind: "memory",
    get size() {
      return counters.size;
    },
    async hit(key, windowMs, by = 1) {
      const current = live(key);
      if (by === 0)
        return current
          ? { count: current.count, resetInMs: current.expiresAt - now() }
          : { count: 0, resetInMs: 0 };
      if (current) {
        current.count += by;
        return { count: current.count, resetInMs: current.expiresAt - now() };
      }
      if (counters.size >= maxCounters) makeRoom();
      const fresh = { count: by, expiresAt: now() + windowMs };
      counters.set(key, fresh);
      return { count: fresh.count, resetInMs: windowMs };
    },
    async reset(...keys) {
      for (const key of keys) counters.delete(key);
    },
    async ping() {},
    async close() {
      counters.clear();
    },
  };
}
