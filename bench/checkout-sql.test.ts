/**
 * The checkout's SQL as the cluster bench gets it: recorded from a real Postgres's statement log, made
 * into one pgbench script, and run by pgbench under both protocols — where the rows must really
 * change, each transaction with its own ids (a script whose ids pgbench never filled in fails or
 * writes nothing, and still reports a rate).
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Pool } from "pg";
import { locate } from "../shapes/cluster/binaries.ts";
import { type ClusterPostgres, query, startPostgres } from "../shapes/cluster/postgres.ts";
import { describeWith, findBinary } from "../test/support/binaries.ts";
import { withInitialisedPrimary } from "../test/support/postgres.ts";
import { checkoutScript, instantiate, ownSteps, parameterTypes, pgbenchScript } from "./checkout-sql.ts";
import { recordStatements } from "./statement-log.ts";

const pgbench = locate("pgbench");

describe("the checkout's own statements", () => {
  it("leave out what ran beside it: PgBouncer's SET, the replica poll, the relay (and the transactions it emptied)", () => {
    const own = ownSteps([
      { sql: "SET application_name='order-1';", params: [] },
      { sql: "select pg_last_wal_replay_lsn()::text as lsn", params: [] },
      { tx: "begin" },
      { sql: "select pg_try_advisory_xact_lock($1)", params: [1] },
      { sql: 'select "id" from "order"."outbox" where "published_at" is null', params: [] },
      { tx: "commit" },
      { tx: "begin" },
      { sql: 'insert into "order"."orders" ("id") values ($1)', params: ["x"] },
      { tx: "commit" },
      { sql: "select pg_current_wal_insert_lsn()::text as lsn", params: [] },
      // The relay's next transaction, begun as the recording stopped (pgbench would wait for its end).
      { tx: "begin" },
      { sql: "select pg_try_advisory_xact_lock($1)", params: [1] },
    ]);
    expect(own).toEqual([
      { tx: "begin" },
      { sql: 'insert into "order"."orders" ("id") values ($1)', params: ["x"] },
      { tx: "commit" },
      { sql: "select pg_current_wal_insert_lsn()::text as lsn", params: [] },
    ]);
  });
});

describeWith(
  { postgres: findBinary("postgres", ["/usr/lib/postgresql/15/bin/postgres"]), pgbench },
  "the checkout's SQL, recorded from the statement log and run by pgbench",
  () => {
    let dir: string;
    let postgres: ClusterPostgres;
    let url: string;
    let pool: Pool;
    const shopper = crypto.randomUUID();
    const variant = crypto.randomUUID();

    /** A checkout in miniature: a transaction with per-checkout ids in plain and JSON values, then a read. */
    const checkout = async () => {
      const order = crypto.randomUUID();
      const client = await pool.connect();
      try {
        await client.query("begin");
        await client.query(
          `insert into shop.orders (id, user_id, idempotency_key, event, note, placed_at)
           values ($1, $2, $3, $4, $5, $6)`,
          [
            order,
            shopper,
            crypto.randomUUID(),
            JSON.stringify({ orderId: order, paid: true, at: "2026-11-26T10:20:30.000Z" }),
            "line one\n\tline two: it's 'quoted' \\ $2 status:paid",
            new Date("2026-11-26T10:20:30Z"),
          ],
        );
        await client.query("update shop.stock set units = units - $1 where id = $2 and units >= $1", [
          1,
          variant,
        ]);
        await client.query("commit");
      } finally {
        client.release();
      }
      await pool.query("select id from shop.orders where id = $1", [order]);
    };

    beforeAll(async () => {
      dir = mkdtempSync(join(tmpdir(), "fastr-bench-sql-"));
      chmodSync(dir, 0o755);
      await withInitialisedPrimary(join(dir, "postgres"));
      postgres = await startPostgres({ dir: join(dir, "postgres"), replica: false, durable: false });
      url = postgres.primary.url();
      await query(
        url,
        `create schema shop;
         create table shop.orders (id uuid primary key, user_id uuid not null, idempotency_key text not null unique,
           event jsonb not null, note text not null, placed_at timestamptz not null);
         create table shop.stock (id uuid primary key, units int not null)`,
      );
      await query(url, "insert into shop.stock values ($1, 1000)", [variant]);
      pool = new Pool({ connectionString: url, max: 2 });
      // Stopping the throwaway server ends whatever connection is left with an error: not a failure here.
      pool.on("error", () => {});
    });
    afterAll(async () => {
      await pool?.end();
      await postgres?.stop();
      rmSync(dir, { recursive: true, force: true });
    });

    const record = () => recordStatements([{ url, logFile: postgres.primary.logFile }], checkout);

    it("records what Postgres ran, with the bound values and the transaction bounds", async () => {
      const recorded = await record();
      expect(recorded.map((s) => ("tx" in s ? s.tx : s.sql.split(/\s+/)[0]))).toEqual([
        "begin",
        "insert",
        "update",
        "commit",
        "select",
      ]);
      const insert = recorded[1] as { params: unknown[] };
      expect(insert.params[1]).toBe(shopper);
      expect(insert.params[4]).toBe("line one\n\tline two: it's 'quoted' \\ $2 status:paid");
      expect(recorded[2]).toMatchObject({ params: ["1", variant] });
    });

    for (const mode of ["simple", "prepared"] as const) {
      it(`runs under pgbench -M ${mode}, every transaction writing its own ids`, async () => {
        const script = checkoutScript(await record(), await record());
        expect(script.fresh).toBe(2); // the order id and the idempotency key
        const file = join(dir, `checkout-${mode}.sql`);
        await Bun.write(file, pgbenchScript(script, await parameterTypes(url, script)));
        const earlier = new Set(
          (await query<{ id: string }>(url, "select id from shop.orders")).map((r) => r.id),
        );
        const [before] = await query<{ units: number }>(url, "select units from shop.stock");
        const { hostname, port } = new URL(url);
        const run = Bun.spawnSync(
          [pgbench!, "-n", "-M", mode, "-t", "5", "-c", "2", "-f", file, "-h", hostname, "-p", port],
          {
            env: { ...process.env, PGUSER: "postgres", PGDATABASE: "fastr" },
            stdout: "pipe",
            stderr: "pipe",
          },
        );
        const out = run.stdout.toString();
        expect(run.stderr.toString()).not.toContain("error");
        expect(out).toContain("number of transactions actually processed: 10/10");
        const written = (
          await query<{ id: string; event: { orderId: string; paid: boolean; at: string }; note: string }>(
            url,
            "select id, event, note from shop.orders",
          )
        ).filter((r) => !earlier.has(r.id));
        expect(written).toHaveLength(10);
        expect(new Set(written.map((r) => r.id)).size).toBe(10);
        for (const row of written) {
          expect(row.event).toEqual({ orderId: row.id, paid: true, at: "2026-11-26T10:20:30.000Z" });
          expect(row.note).toBe("line one\n\tline two: it's 'quoted' \\ $2 status:paid");
        }
        const [after] = await query<{ units: number }>(url, "select units from shop.stock");
        expect(after!.units).toBe(before!.units - 10);
      });
    }

    it("fills the ids in per replay for PGlite's in-process run", async () => {
      const script = checkoutScript(await record(), await record());
      const [a, b] = [instantiate(script), instantiate(script)];
      const insert = (steps: typeof a) => (steps[1] as { sql: string }).sql;
      expect(insert(a)).not.toBe(insert(b));
      expect(insert(a)).not.toContain("__U");
      expect(insert(a)).toContain(`'${shopper}'`);
    });
  },
);
