import { getTableColumns, type SQL } from "drizzle-orm";
import { PgDialect, type PgTable } from "drizzle-orm/pg-core";
import { type Executor, rowsOf } from "./port.ts";

const dialect = new PgDialect();

/**
 * A statement whose SQL is built once, when it is declared: each run only fills its placeholders
 * (`sql.placeholder("name")`). drizzle otherwise builds a query's text from its parts on every call,
 * which on a hot path costs as much as PGlite takes to run a small statement (ADR 178). The text
 * is the same every run, so PGlite keeps it prepared (ADR 152); `pg` sends it unnamed like any
 * other query, so PgBouncer in transaction mode takes it. drizzle's logger and the SQL spans see it
 * as they see `execute`.
 * @example const cartOf = builtOnce<{ id: string }>(db.primary, sql`select id from ${carts} where user_id = ${sql.placeholder("userId")}`);
 * const rows = await cartOf({ userId });
 */
export function builtOnce<Row>(ex: Executor, query: SQL) {
  const prepared = ex._.session.prepareQuery(dialect.sqlToQuery(query), undefined, undefined, false);
  return async (values: Record<string, unknown>): Promise<Row[]> =>
    rowsOf<Row>(await prepared.execute(values));
}

/**
 * A statement built once like `builtOnce`'s, for whichever executor runs it: a transaction's handle
 * lives for one transaction, so only the text is kept, and each run hands it to the session of the
 * executor given (as `execute` does).
 * @example const commit = builtOnceFor<{ id: string }>(sql`update … where order_id = ${sql.placeholder("orderId")} returning id`);
 * await db.primary.transaction(async (tx) => commit(tx, { orderId }));
 */
export function builtOnceFor<Row>(query: SQL) {
  const text = dialect.sqlToQuery(query);
  return async (ex: Executor, values: Record<string, unknown>): Promise<Row[]> =>
    rowsOf<Row>(await ex._.session.prepareQuery(text, undefined, undefined, false).execute(values));
}

/**
 * A row of `table` as drizzle's select returns it (its keys, Dates for timestamps), from the raw row
 * of a built statement that returns every column under its SQL name (a builder's `.returning()`).
 * @example const toPayment = rowOf(payments); const [row] = (await claim(values)).map(toPayment);
 */
export function rowOf<T extends PgTable>(table: T): (raw: Record<string, unknown>) => T["$inferSelect"] {
  const columns = Object.entries(getTableColumns(table));
  return (raw) =>
    Object.fromEntries(
      columns.map(([key, column]) => {
        const value = raw[column.name];
        return [key, value === null || value === undefined ? null : column.mapFromDriverValue(value)];
      }),
    ) as T["$inferSelect"];
}
