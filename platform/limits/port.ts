/** A fixed-window counter as a limiter sees it: the count so far and how long until the window resets. */
export type Count = { count: number; resetInMs: number };

/**
 * The limits port: counters for rate limits and lockouts, kept apart from the cache port on purpose.
 * Security state must never share an eviction domain with cache data, or a flood of cacheable
 * responses would push a locked account's counter out (ADR 010). A counter disappears when its
 * window ends, or when it is reset.
 */
export interface Limits {
  readonly kind: "memory" | "redis";
  /**
   * Adds `by` to the fixed-window counter `key`, whose window opens at its first hit and lasts
   * `windowMs` (later hits do not extend it), and returns the new count and the time left.
   * `by = 0` peeks: it reads without counting and never opens a window.
   */
  hit(key: string, windowMs: number, by?: number): Promise<Count>;
  /** Forgets these counters now (e.g. a pair's failures after a successful sign-in). */
  reset(...keys: string[]): Promise<void>;
  /** Throws when the store is unreachable, or cannot keep counters safely (see the Redis adapter). */
  ping(): Promise<void>;
  close(): Promise<void>;
}
