import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { notes, products } from "../../test/fixtures/schema.ts";
import { rejection } from "../../test/support/failure.ts";
import { emptyDatabase } from "../../test/support/migrated-database.ts";
import { describeError } from "../log.ts";
import { fixtureMigrations } from "./db.contract.ts";
import { openPglite, type PgliteDatabase } from "./pglite.ts";
import { openPgliteWorker } from "./pglite-worker.ts";
import { rowsOf } from "./port.ts";

/** An error as the log would describe it, without the stack (which differs by thread). */
const described = (error: unknown) => {
  const strip = ({ stack: _, cause, ...rest }: ReturnType<typeof describeError>): object => ({
    ...rest,
    ...(cause && { cause: strip(cause) }),
  });
  return strip(describeError(error));
};

describe("PGlite in a worker", () => {
  const seen: unknown[] = [];
  let inWorker: PgliteDatabase;
  let inThread: PgliteDatabase;
  beforeAll(async () => {
    const from = await emptyDatabase();
    [inWorker, inThread] = await Promise.all([
      openPgliteWorker(undefined, {
        from,
        onQuery: (text, params) => seen.push({ text, params }),
        onTransaction: (event) => seen.push(event),
      }),
      openPglite(undefined, { from }),
    ]);
    for (const db of [inWorker, inThread]) await db.migrate(fixtureMigrations);
  });
  afterAll(async () => {
    await inWorker?.close();
    await inThread?.close();
  });

  it.if(process.platform === "linux")(
    "runs at a lower CPU priority than the request thread (nice 5): on a busy core, requests go first",
    () => {
      /** A thread's nice value (field 19 of its stat line); undefined once it has exited. */
      const niceOf = (task: string) => {
        try {
          return Number(readFileSync(`/proc/self/task/${task}/stat`, "utf8").split(") ")[1]!.split(" ")[16]);
        } catch {
          return undefined;
        }
      };
      expect(niceOf(String(process.pid))).toBe(0);
      expect(readdirSync("/proc/self/task").map(niceOf)).toContain(5);
    },
  );

  it("a failed statement reads in the log as it does from PGlite in this thread: code, constraint, table, column, statement", async () => {
    const failures = async (db: PgliteDatabase) => {
      await db.primary.insert(products).values({ sku: "dup", stock: 1 }).onConflictDoNothing();
      return Promise.all([
        rejection(db.primary.insert(products).values({ sku: "dup", stock: 2 })),
        rejection(db.primary.execute(sql`insert into contract.notes (body) values (${null})`)),
        rejection(db.primary.execute(sql`select ${"not a number"}::int`)),
        rejection(db.primary.execute(sql.raw("select * from missing_table"))),
      ]);
    };
    const [fromWorker, fromThread] = await Promise.all([failures(inWorker), failures(inThread)]);

    expect(fromWorker.map(described)).toEqual(fromThread.map(described));
    const [duplicate, notNull] = fromWorker.map(
      (error) => (error as { cause: Record<string, unknown> }).cause,
    );
    expect(duplicate).toMatchObject({
      code: "23505",
      constraint: "products_pkey",
      table: "products",
      severity: "ERROR",
    });
    expect(notNull).toMatchObject({ code: "23502", column: "body", table: "notes" });
    expect(describeError(fromWorker[0]).cause?.statement).toContain('insert into "contract"."products"');
  });

  it("a statement sent while a transaction is open waits for its end; the transaction's own run inside it", async () => {
    const { promise: inserted, resolve: haveInserted } = Promise.withResolvers<void>();
    const { promise: release, resolve: commit } = Promise.withResolvers<void>();
    const transaction = inWorker.primary.transaction(async (tx) => {
      await tx.insert(notes).values({ body: "inside" });
      haveInserted();
      await release;
      return rowsOf<{ n: number }>(await tx.execute(sql`select count(*)::int as n from contract.notes`));
    });
    await inserted;
    let outsideDone = false;
    const outside = inWorker.primary
      .insert(notes)
      .values({ body: "outside" })
      .then(() => {
        outsideDone = true;
      });
    await Bun.sleep(50);
    expect(outsideDone).toBe(false); // not interleaved into the open transaction

    commit();
    expect(await transaction).toEqual([{ n: 1 }]); // saw only its own row
    await outside;
    expect(await inWorker.primary.$count(notes)).toBe(2);
  });

  it("the hooks see each statement with its values, and each transaction's bounds, as in this thread", async () => {
    seen.length = 0;
    await inWorker.primary.transaction(async (tx) => {
      await tx.execute(sql`select ${1}::int`);
    });
    await rejection(
      inWorker.primary.transaction(async () => {
        throw new Error("changed my mind");
      }),
    );

    expect(seen).toEqual(["begin", { text: "select $1::int", params: [1] }, "commit", "begin", "rollback"]);
  });

  it("a dump of it opens as a database of its own, in this thread or in another worker", async () => {
    await inWorker.primary.insert(products).values({ sku: "dumped", stock: 7 });
    const dump = await inWorker.dump();
    for (const open of [openPglite, openPgliteWorker]) {
      const copy = await open(undefined, { from: dump });
      try {
        expect(await copy.primary.select().from(products).where(sql`sku = 'dumped'`)).toEqual([
          { sku: "dumped", stock: 7 },
        ]);
      } finally {
        await copy.close();
      }
    }
  });
});

it("in a data directory, what was written is there when the directory is opened again", async () => {
  const dir = await mkdtemp(join(tmpdir(), "fastr-pglite-worker-"));
  try {
    const first = await openPgliteWorker(join(dir, "pgdata"), { from: await emptyDatabase() });
    await first.migrate(fixtureMigrations);
    await first.primary.insert(products).values({ sku: "kept", stock: 3 });
    await first.close();

    const again = await openPgliteWorker(join(dir, "pgdata"));
    try {
      expect(await again.primary.select().from(products)).toEqual([{ sku: "kept", stock: 3 }]);
    } finally {
      await again.close();
    }
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}, 60_000);
