import { and, type SQL, sql } from "drizzle-orm";
import type { PgColumn, PgTable } from "drizzle-orm/pg-core";
import type { Database } from "./port.ts";

/**
 * `ms` from now, by the database's clock (every process agrees on it, unlike their own clocks).
 * @example db.update(orders).set({ leaseUntil: fromNow(30_000) })
 */
export const fromNow = (ms: number): SQL => sql`now() + make_interval(secs => ${ms / 1000})`;

/** `column` is more than `ms` in the past, by the database's clock (a null is never older). */
export const olderThan = (column: PgColumn, ms: number): SQL =>
  sql`${column} < now() - make_interval(secs => ${ms / 1000})`;

/**
 * Retention: deletes the rows of `table` whose `column` is more than `olderThanMs` in the past (by
 * the database's clock) and that match `where`, if given; a row whose `column` is null stays.
 * Returns how many it deleted.
 * @example await deleteOlderThan(db, outbox, outbox.publishedAt, 7 * DAY);
 */
export async function deleteOlderThan(
  db: Database,
  table: PgTable,
  column: PgColumn,
  olderThanMs: number,
  where?: SQL,
): Promise<number> {
  const deleted = await db.primary
    .delete(table)
    .where(and(olderThan(column, olderThanMs), where))
    .returning({ one: sql<number>`1` });
  return deleted.length;
}
