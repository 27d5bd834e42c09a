import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { openPglite } from "../platform/db/pglite.ts";
import { type Database, rowsOf } from "../platform/db/port.ts";
import { modules } from "../shapes/modules.ts";
import { emptyDatabase } from "./support/migrated-database.ts";

const tablesBySchema = async (db: Database) =>
  rowsOf<{ schema: string; tables: string[] }>(
    await db.primary.execute(sql`
      select table_schema as schema, array_agg(table_name::text order by table_name) as tables
      from information_schema.tables
      where table_schema in (${sql.join(
        modules.map((m) => sql`${m.name}`),
        sql`, `,
      )})
      group by table_schema order by table_schema`),
  );

describe("service migrations", () => {
  let db: Database;
  beforeAll(async () => {
    db = await openPglite(undefined, { from: await emptyDatabase() });
  });
  afterAll(() => db.close());

  it("build every service's schema from an empty database, each in its own Postgres schema", async () => {
    for (const module of modules) await db.migrate(module.migrations);
    const schemas = await tablesBySchema(db);
    expect(schemas.map((s) => s.schema)).toEqual([...modules.map((m) => m.name)].sort());
    expect(schemas.find((s) => s.schema === "product")!.tables).toEqual([
      "categories",
      "outbox",
      "products",
      "reservations",
      "variants",
    ]);
    expect(schemas.find((s) => s.schema === "order")!.tables).toEqual(["inbox", "lines", "orders", "outbox"]);
    expect(schemas.find((s) => s.schema === "cart")!.tables).toEqual(["carts", "lines", "removed_purchases"]);
  });

  it("change nothing when applied again (every start applies them)", async () => {
    const before = await tablesBySchema(db);
    /** Rows in each service's drizzle bookkeeping table: one per applied migration. */
    const applied = async () => {
      const counts: Record<string, number> = {};
      for (const { name } of modules) {
        const [row] = rowsOf<{ n: number }>(
          await db.primary.execute(
            sql`select count(*)::int as n from ${sql.identifier("drizzle")}.${sql.identifier(`${name}_migrations`)}`,
          ),
        );
        counts[name] = row!.n;
      }
      return counts;
    };
    const bookkeeping = await applied();
    for (const module of modules) await db.migrate(module.migrations);
    expect(await tablesBySchema(db)).toEqual(before);
    expect(Object.values(bookkeeping).every((n) => n >= 1)).toBe(true);
    expect(await applied()).toEqual(bookkeeping);
  });
});
