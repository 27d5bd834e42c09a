import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { PGlite } from "@electric-sql/pglite";
import { emptyDatabase } from "../../test/support/migrated-database.ts";
import { preparedStatements } from "./pglite-prepared.ts";
import { SLICE_MS } from "./turns.ts";

const VALUES = [
  "a text",
  42,
  12.5,
  true,
  null,
  new Date("2026-01-02T03:04:05.678Z"),
  { nested: ["json", 1, null] },
  [1, 2, 3],
  new Uint8Array([0, 255, 7]),
];
const TYPED = ["text", "int", "numeric", "bool", "text", "timestamptz", "jsonb", "int[]", "bytea"];

describe("kept statements on PGlite", () => {
  let db: PGlite;
  let statements: ReturnType<typeof preparedStatements>;
  let exchanges = 0;

  beforeAll(async () => {
    db = await PGlite.create({ loadDataDir: await emptyDatabase() });
    const exchange = db.execProtocolStream.bind(db);
    db.execProtocolStream = (...args) => {
      exchanges++;
      return exchange(...args);
    };
    await db.exec(`create table items (id int primary key, name text not null)`);
    statements = preparedStatements(db, { capacity: 3 });
  });
  afterAll(() => db.close());

  it("lets the event loop take a turn during a long chain of statements, as a request waiting for it would", async () => {
    let chaining = true;
    let turnsDuringChain = 0;
    const countTurns = () => {
      if (!chaining) return;
      turnsDuringChain++;
      setImmediate(countTurns);
    };
    setImmediate(countTurns);
    const started = performance.now();
    // Each statement settles at once, so without turns this is one run of microtasks.
    for (let i = 0; i < 400; i++) await statements.query("select $1::int as n", [i]);
    const ms = performance.now() - started;
    chaining = false;
    expect(ms).toBeGreaterThan(SLICE_MS * 2);
    expect(turnsDuringChain).toBeGreaterThanOrEqual(1);
  });

  it("answers exactly what PGlite's own query answers, for every kind of value", async () => {
    const text = `select ${TYPED.map((type, i) => `$${i + 1}::${type} as v${i}`).join(", ")}`;
    for (const rowMode of ["object", "array"] as const) {
      const own = await db.query(text, VALUES, { rowMode });
      const kept = await statements.query(text, VALUES, { rowMode });
      expect(kept.rows as unknown[]).toEqual(own.rows);
      expect(kept.fields).toEqual(own.fields);
    }
    const write = await statements.query("insert into items values ($1, $2), ($3, $4)", [1, "a", 2, "b"]);
    expect(write.affectedRows).toBe(2);
  });

  it("runs a kept statement in one exchange with the database, a statement without values in one too", async () => {
    const text = "select name from items where id = $1";
    await statements.query(text, [1]);
    const before = exchanges;
    expect((await statements.query(text, [2])).rows).toEqual([{ name: "b" }]);
    expect(exchanges - before).toBe(1);
    const again = exchanges;
    expect((await statements.query("select count(*)::int as n from items")).rows).toEqual([{ n: 2 }]);
    expect(exchanges - again).toBe(1);
  });

  it("throws Postgres's error with its code and the statement, and keeps working after it", async () => {
    const duplicate = await statements
      .query("insert into items values ($1, $2)", [1, "again"])
      .catch((e) => e);
    expect(duplicate).toMatchObject({ code: "23505", query: "insert into items values ($1, $2)" });
    const broken = await statements.query("select nope from items where id = $1", [1]).catch((e) => e);
    expect(broken).toMatchObject({ code: "42703" });
    expect((await statements.query("select name from items where id = $1", [1])).rows).toEqual([
      { name: "a" },
    ]);
  });

  it("sees a column added after a statement was kept", async () => {
    const text = "select * from items where id = $1";
    expect((await statements.query(text, [1])).rows).toEqual([{ id: 1, name: "a" }]);
    await statements.query("alter table items add column note text default 'n'");
    expect((await statements.query(text, [1])).rows).toEqual([{ id: 1, name: "a", note: "n" }]);
  });

  it("keeps at most its capacity of statements in the database, closing the least recently used", async () => {
    for (let i = 0; i < 10; i++) await statements.query(`select $1::int + ${i} as n`, [1]);
    expect((await statements.query("select $1::int + 9 as n", [1])).rows).toEqual([{ n: 10 }]);
    await statements.query("select $1::int as warm", [0]); // sends the closes queued so far
    const kept = await db.query<{ n: number }>("select count(*)::int as n from pg_prepared_statements");
    expect(kept.rows[0]!.n).toBeLessThanOrEqual(3);
  });

  it("a statement in a transaction that rolls back leaves nothing, and a query outside waits for the transaction", async () => {
    const held = Promise.withResolvers<void>();
    const inserted = Promise.withResolvers<void>();
    const transaction = db
      .transaction(async (tx) => {
        const query = statements.inTransaction(tx);
        await query("insert into items (id, name) values ($1, $2)", [3, "uncommitted"]);
        inserted.resolve();
        await held.promise;
        throw new Error("roll back");
      })
      .catch(() => "rolled back");
    await inserted.promise;
    const outside = statements.query("select count(*)::int as n from items where id = $1", [3]);
    let answered = false;
    void outside.then(() => {
      answered = true;
    });
    await Bun.sleep(50);
    expect(answered).toBe(false);
    held.resolve();
    expect(await transaction).toBe("rolled back");
    expect((await outside).rows).toEqual([{ n: 0 }]);
  });
});
