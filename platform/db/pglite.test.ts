import { expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { emptyDatabase } from "../../test/support/migrated-database.ts";
import { dbContract } from "./db.contract.ts";
import { openPglite } from "./pglite.ts";
import { rowsOf } from "./port.ts";

dbContract("pglite", async () => openPglite(undefined, { from: await emptyDatabase() }));

it("starts with the Postgres settings it is given, beside PGlite's own and the data directory's", async () => {
  const show = async (settings?: Record<string, string>) => {
    const db = await openPglite(undefined, { from: await emptyDatabase(), ...(settings && { settings }) });
    try {
      const [row] = rowsOf<Record<string, string>>(
        await db.primary.execute(
          sql`select current_setting('shared_buffers') as buffers, current_setting('TimeZone') as zone, current_setting('DateStyle') as style, current_setting('search_path') as path`,
        ),
      );
      return row!;
    } finally {
      await db.close();
    }
  };
  const plain = await show();
  const small = await show({ shared_buffers: "8MB" });
  expect(plain.buffers).toBe("128MB");
  expect(small).toEqual({ ...plain, buffers: "8MB" });
  expect(small.path).toBe("public"); // a setting PGlite starts its server with
}, 30_000);
