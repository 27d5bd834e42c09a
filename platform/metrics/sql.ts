import { sql } from "drizzle-orm";
import type { Database, Executor } from "../db/port.ts";
import { READ_TIMEOUT_MS } from "./registry.ts";

/**
 * Runs a metric's query on the primary. On Postgres it runs in a transaction whose
 * `statement_timeout` is the scrape's read timeout, so a query the scrape gave up on does not keep
 * running on the server (and holding a pooled connection); PGlite has no other session to protect.
 * @example gauge({ …, read: () => readForMetrics(db, (ex) => ex.select(…).from(orders).groupBy(orders.status)) })
 */
export function readForMetrics<T>(db: Database, read: (ex: Executor) => Promise<T>): Promise<T> {
  if (db.kind !== "pg") return read(db.primary);
  return db.primary.transaction(async (tx) => {
    await tx.execute(sql.raw(`set local statement_timeout = ${READ_TIMEOUT_MS}`));
    return read(tx);
  });
}
