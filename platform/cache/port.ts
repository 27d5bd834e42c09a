/** The cache port. Values are strings: callers decide the encoding (usually JSON). */
export interface Cache {
  readonly kind: "memory" | "redis";
  get(key: string): Promise<string | null>;
  /** Stores `value` for `ttlMs` milliseconds. */
  set(key: string, value: string, ttlMs: number): Promise<void>;
  del(...keys: string[]): Promise<void>;
  /**
   * How many entries this process's cache has dropped so far (evicted for room, expired, deleted),
   * for a cache held in this process: a copy of an entry taken when this said n is still the cache's
   * while it says n. Absent for a cache in another process (Redis), whose drops no process sees.
   */
  dropped?(): number;
  /**
   * A small value every process keeps in memory and is told of when it changes (a catalog
   * generation, a stock version): reading it costs no round trip. Only `publish` changes it.
   */
  watch(key: string): Watched;
  /**
   * Resolves once this process has heard every `publish` (from any process) that completed before
   * the call; rejects when it cannot be sure of that (the subscription is down or slow).
   */
  caughtUp(): Promise<void>;
  ping(): Promise<void>;
  close(): Promise<void>;
}

/** A watched key (see `Cache.watch`). */
export interface Watched {
  /**
   * The value as this process last heard it (null: the key holds none), without I/O; `undefined`
   * while the process cannot vouch for it (not read yet, subscription down or reconnecting, silent
   * for too long): `read` it then.
   */
  held(): string | null | undefined;
  /** The value in the store; `held` answers it from then on, for as long as the process can vouch for it. */
  read(): Promise<string | null>;
  /** Stores `value` without expiry and tells every process; resolves once this process holds it. */
  publish(value: string): Promise<void>;
}
