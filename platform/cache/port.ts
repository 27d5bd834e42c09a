/** The cache port. Values are strings: callers decide the encoding (usually JSON). */
export interface Cache {
  readonly kind: "memory" | "redis";
  get(key: string): Promise<string | null>;
  /** Stores `value` for `ttlMs` milliseconds. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}
