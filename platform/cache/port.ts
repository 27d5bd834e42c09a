/** The cache port. Values are strings: callers decide the encoding (usually JSON). */
export interface Cache {
  readonly kind: "memory" | "redis";
  get(key: string): Promise<string | null>;
  /** Stores `value` for `ttlMs` milliseconds. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /**
   * Adds `by` to a fixed-window counter that expires `windowMs` after its first hit, and returns the
   * new count and how long until the window resets. `by = 0` peeks without counting.
   */
  hit(key: string, windowMs: number, by?: number): Promise<{ count: number; resetInMs: number }>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
