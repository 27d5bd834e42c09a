import { getTableColumns, type Placeholder, sql } from "drizzle-orm";
import type { PgTable } from "drizzle-orm/pg-core";
import type { WithSubquery } from "drizzle-orm/subquery";
import type { Executor } from "./port.ts";

/**
 * An insert that runs as one more CTE of a statement, and writes `rows` only if `guard` (another CTE
 * of that statement: a conditional update, an `insert … on conflict do nothing`) returned a row. A
 * change and the rows that belong to it (an order's lines, its events in the outbox) so commit as
 * one statement instead of a transaction of two or more.
 *
 * The rows travel as one JSON parameter, read back by `jsonb_to_recordset` with each column's own SQL
 * type: fine for text, numbers, uuids, booleans, jsonb and timestamps (as ISO strings), not for a
 * column whose driver value differs from its JSON. The first row's keys name the columns written; the
 * others get their defaults.
 * @example
 * const placed = ex.$with("placed").as(ex.insert(orders).values(order).onConflictDoNothing().returning());
 * const [row] = await ex.with(placed, insertWhen(ex, "placed_lines", orderLines, lines, placed)).select().from(placed);
 *
 * In a statement built once (ADR 178), `json` is the placeholder the rows travel in, filled with
 * `insertedRows(table, rows)` on each run; `rows` then only name the columns, by their first row.
 */
export function insertWhen<T extends PgTable>(
  ex: Executor,
  alias: string,
  table: T,
  rows: readonly T["$inferInsert"][],
  guard: WithSubquery,
  { json }: { json?: Placeholder } = {},
) {
  const columns = columnsNamed(alias, table, rows);
  const names = sql.join(
    columns.map(([, c]) => sql.identifier(c.name)),
    sql`, `,
  );
  const types = sql.join(
    columns.map(([, c]) => sql`${sql.identifier(c.name)} ${sql.raw(c.getSQLType())}`),
    sql`, `,
  );
  return ex
    .$with(alias, {})
    .as(
      sql`insert into ${table} (${names}) select ${names} from jsonb_to_recordset(${json ?? asJson(columns, rows)}::jsonb) as r(${types}) where exists (select 1 from ${guard})`,
    );
}

/** The columns of `table` the first row names, in the table's order. */
function columnsNamed<T extends PgTable>(alias: string, table: T, rows: readonly T["$inferInsert"][]) {
  const first = rows[0];
  if (!first) throw new Error(`insertWhen(${alias}): no rows to insert`);
  return Object.entries(getTableColumns(table)).filter(([key]) => key in first);
}

const asJson = (columns: ReturnType<typeof columnsNamed>, rows: readonly object[]) =>
  JSON.stringify(
    rows.map((row) =>
      Object.fromEntries(columns.map(([key, c]) => [c.name, (row as Record<string, unknown>)[key] ?? null])),
    ),
  );

/** The value of `insertWhen`'s `json` placeholder: `rows` as the statement reads them. */
export const insertedRows = <T extends PgTable>(table: T, rows: readonly T["$inferInsert"][]) =>
  asJson(columnsNamed("insertedRows", table, rows), rows);
