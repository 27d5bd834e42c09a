import { afterAll, expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { emptyDatabase } from "../../test/support/migrated-database.ts";
import { dbContract } from "./db.contract.ts";
import { openPglite, type PgliteDatabase } from "./pglite.ts";
import { openPgliteWorker } from "./pglite-worker.ts";
import { type Database, rowsOf } from "./port.ts";

// One database per adapter for the contract's tests, emptied after each instead of closed: opening one
// costs ~0.4 s of CPU, emptying it a few milliseconds. What a test leaves is the fixture's schema and
// drizzle's bookkeeping of it.
const kept: Promise<PgliteDatabase>[] = [];
afterAll(async () => {
  for (const db of kept) await (await db).close();
});
function reused(open: () => Promise<PgliteDatabase>) {
  let db: Promise<PgliteDatabase> | undefined;
  return async (): Promise<Database> => {
    if (!db) {
      db = open();
      kept.push(db);
    }
    const opened = await db;
    return {
      ...opened,
      close: async () => {
        await opened.primary.execute(sql`drop schema if exists contract cascade`);
        await opened.primary.execute(sql`drop schema if exists drizzle cascade`);
      },
    };
  };
}
dbContract(
  "pglite",
  reused(async () => openPglite(undefined, { from: await emptyDatabase() })),
);
dbContract(
  "pglite in a worker",
  reused(async () => openPgliteWorker(undefined, { from: await emptyDatabase() })),
);

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
