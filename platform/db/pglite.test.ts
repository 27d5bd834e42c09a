import { afterAll, expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { emptyDatabase } from "../../test/support/migrated-database.ts";
import { dbContract } from "./db.contract.ts";
import { openPglite, type PgliteDatabase } from "./pglite.ts";
import { type Database, rowsOf } from "./port.ts";

// One database for the contract's tests, emptied after each instead of closed: opening one costs
// ~0.4 s of CPU, emptying it a few milliseconds. What a test leaves is the fixture's schema and
// drizzle's bookkeeping of it.
let kept: PgliteDatabase | undefined;
afterAll(() => kept?.close());
dbContract("pglite", async (): Promise<Database> => {
  kept ??= await openPglite(undefined, { from: await emptyDatabase() });
  const db = kept;
  return {
    ...db,
    close: async () => {
      await db.primary.execute(sql`drop schema if exists contract cascade`);
      await db.primary.execute(sql`drop schema if exists drizzle cascade`);
    },
  };
});

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
