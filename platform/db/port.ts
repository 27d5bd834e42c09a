import type { PgDatabase, PgQueryResultHKT } from "drizzle-orm/pg-core";

/** A drizzle handle; both adapters (PGlite and pg) produce one. */
export type Sql = PgDatabase<PgQueryResultHKT>;
/** A drizzle transaction handle. */
export type Tx = Parameters<Parameters<Sql["transaction"]>[0]>[0];
/** Anything that runs queries: the database or an open transaction. */
export type Executor = Sql | Tx;

/** Where a service's drizzle-kit migrations live and which Postgres schema they own. */
export type Migrations = { schema: string; folder: string };

/** A connection pool's state, for metrics (the pg adapter has one per server it talks to). */
export type PoolUsage = {
  /** `primary` or `replica`. */
  pool: string;
  /** Connections open, idle among them, the pool's cap, and callers waiting for a connection. */
  open: number;
  idle: number;
  max: number;
  waiting: number;
};

/** How busy the database is: pools (pg), or statements and transactions queued or running (PGlite). */
export type DatabaseUsage = { pools: readonly PoolUsage[]; inFlight?: number };

/** The db port: one per process, shared by the services it hosts (each in its own schema). */
export interface Database {
  readonly kind: "pglite" | "pg";
  /** Writes, transactions, and reads that must see the latest commit. */
  readonly primary: Sql;
  /**
   * Reads that may lag a moment: a streaming replica when one is configured and has replayed the
   * caller's last write (read-your-writes), else the primary.
   */
  readonly replica: Sql;
  /** The primary's current WAL position, for callers that must read their writes back later. */
  currentLsn?(): Promise<string>;
  /** Applies a service's pending migrations; safe to call on every start and from several processes. */
  migrate(migrations: Migrations): Promise<void>;
  /** Round-trips to the primary; used by /readyz. */
  ping(): Promise<void>;
  /** Connections and waiting callers right now (read when metrics are scraped). */
  usage(): DatabaseUsage;
  close(): Promise<void>;
}

/** Rows of a raw `execute` on either driver (both return `{ rows }`). */
export function rowsOf<T>(result: unknown): T[] {
  return (result as { rows: T[] }).rows;
}
