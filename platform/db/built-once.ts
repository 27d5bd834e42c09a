import { getTableColumns, type SQL } from "drizzle-orm";
import { PgDialect, type PgTable } from "drizzle-orm/pg-core";
import { type Executor, rowsOf } from "./port.ts";

const dialect = new PgDialect();

/**
 * The name a built statement is prepared under, the same in every process for the same text: a
 * connection that has it prepared skips parsing and planning it (ADR 181). The pg adapter drops it
 * where the connection cannot keep prepared statements (a transaction-mode pooler); PGlite keeps
 * every statement it has seen by its text anyway.
 */
const preparedName = (text: string) => `fastr_${Bun.hash(text).toString(36)}`;

/**
 * A statement whose SQL is built once, when it is declared: each run only fills its placeholders
 * (`sql.placeholder("name")`). drizzle otherwise builds a query's text from its parts on every call,
 * which on a hot path costs as much as PGlite takes to run a small statement (ADR 178). The text
 * is the same every run, so PGlite keeps it prepared (ADR 152), and so does Postgres, under a name
 * of its text, where the pg adapter may keep prepared statements (ADR 181). drizzle's logger and the
 * SQL spans see it as they see `execute`.
 * @example const cartOf = builtOnce<{ id: string }>(db.primary, sql`select id from ${carts} where user_id = ${sql.placeholder("userId")}`);
 * const rows = await cartOf({ userId });
 */
export function builtOnce<Row>(ex: Executor, query: SQL) {
  const text = dialect.sqlToQuery(query);
  const prepared = ex._.session.prepareQuery(text, undefined, preparedName(text.sql), false);
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
  const name = preparedName(text.sql);
  return async (ex: Executor, values: Record<string, unknown>): Promise<Row[]> =>
    rowsOf<Row>(await ex._.session.prepareQuery(text, undefined, name, false).execute(values));
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
