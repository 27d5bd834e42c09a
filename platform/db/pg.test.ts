import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { sql } from "drizzle-orm";
import { startPgBouncer } from "../../shapes/cluster/pgbouncer.ts";
import {
  type ClusterPostgres,
  query,
  startPostgres as startClusterPostgres,
} from "../../shapes/cluster/postgres.ts";
import { notes } from "../../test/fixtures/schema.ts";
import { describeWith, findBinary, waitFor } from "../../test/support/binaries.ts";
import { postgresBinary, withInitialisedPrimary } from "../../test/support/postgres.ts";
import { withRequestScope } from "../request-context.ts";
import { builtOnce, builtOnceFor } from "./built-once.ts";
import { dbContract, fixtureMigrations } from "./db.contract.ts";
import { openPostgres } from "./pg.ts";
import { type Database, rowsOf } from "./port.ts";

// One primary and its streaming standby for the file: the contract's databases are made on the
// primary, the replica suites read the standby (a Postgres pair costs an initdb, a base backup and two
// servers). The last test stops and starts the standby.
describeWith({ postgres: postgresBinary }, "pg adapter", () => {
  let dir: string;
  let pg: ClusterPostgres;
  let databases = 0;
  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fastr-pg-adapter-"));
    await withInitialisedPrimary(dir);
    pg = await startClusterPostgres({ dir, replica: true, durable: false });
  }, 60_000);
  afterAll(async () => {
    await pg?.stop();
    if (dir) rmSync(dir, { recursive: true, force: true });
  });

  // Each contract test gets an empty database of its own on the primary, its statements kept
  // prepared as `bun run cluster` keeps them (sent unnamed, below, through PgBouncer).
  dbContract("pg", async () => {
    const name = `contract_${++databases}`;
    const admin = await openPostgres({ url: pg.primary.url(), poolSize: 1 });
    await admin.primary.execute(sql.raw(`create database ${name}`));
    await admin.close();
    return openPostgres({ url: pg.primary.url(name), preparedStatements: true });
  });

  describe("statements built once (ADR 181)", () => {
    const square = (db: Database) =>
      builtOnce<{ squared: number }>(
        db.primary,
        sql`select ${sql.placeholder("n")}::int * ${sql.placeholder("n")}::int as squared`,
      );
    const preparedHere = async (db: Database) =>
      rowsOf<{ name: string }>(await db.primary.execute(sql`select name from pg_prepared_statements`)).map(
        (r) => r.name,
      );

    it("are kept prepared on each connection, under a name of their text, where prepared statements are on", async () => {
      const db = await openPostgres({ url: pg.primary.url(), poolSize: 1, preparedStatements: true });
      try {
        const run = square(db);
        expect(await run({ n: 3 })).toEqual([{ squared: 9 }]);
        expect(await run({ n: 4 })).toEqual([{ squared: 16 }]);
        // The same text built again elsewhere in the process (another module) shares the prepared statement.
        expect(await square(db)({ n: 5 })).toEqual([{ squared: 25 }]);
        expect((await preparedHere(db)).filter((name) => name.startsWith("fastr_"))).toHaveLength(1);
      } finally {
        await db.close();
      }
    });

    it("are sent unnamed where prepared statements are off (the default)", async () => {
      const db = await openPostgres({ url: pg.primary.url(), poolSize: 1 });
      try {
        expect(await square(db)({ n: 6 })).toEqual([{ squared: 36 }]);
        expect(await preparedHere(db)).toEqual([]);
      } finally {
        await db.close();
      }
    });

    describeWith(
      { pgbouncer: findBinary("pgbouncer", ["/usr/sbin/pgbouncer"]) },
      "through PgBouncer in transaction mode",
      () => {
        it("run in transactions spread over fewer server connections than clients", async () => {
          const bouncerDir = join(dir, "pgbouncer");
          const bouncer = await startPgBouncer({
            dir: bouncerDir,
            primaryPort: pg.primary.port,
            replicaPort: null,
            poolSize: 2,
          });
          const db = await openPostgres({ url: bouncer.primaryUrl, poolSize: 6 });
          try {
            const run = square(db);
            const inTransaction = builtOnceFor<{ squared: number }>(
              sql`select ${sql.placeholder("n")}::int * ${sql.placeholder("n")}::int as squared`,
            );
            const answers = await Promise.all(
              Array.from({ length: 120 }, (_, n) =>
                n % 2 === 0
                  ? run({ n })
                  : db.primary.transaction(async (tx) => {
                      await tx.execute(sql`select 1`);
                      return inTransaction(tx, { n });
                    }),
              ),
            );
            expect(answers.map((rows) => rows[0]!.squared)).toEqual(
              Array.from({ length: 120 }, (_, n) => n * n),
            );
          } finally {
            await db.close();
            await bouncer.stop();
          }
        });
      },
    );
  });

  describe("with a streaming replica", () => {
    let db: Database;
    beforeAll(async () => {
      db = await openPostgres({ url: pg.primary.url(), replicaUrl: pg.replica!.url() });
      await db.migrate(fixtureMigrations);
    });
    afterAll(() => db?.close());

    it("reads through `replica` come from the standby and catch up with writes on the primary", async () => {
      const standby = async (handle: Database["primary"]) =>
        rowsOf<{ standby: boolean }>(await handle.execute(sql`select pg_is_in_recovery() as standby`))[0]
          ?.standby;
      expect(await standby(db.replica)).toBe(true);
      expect(await standby(db.primary)).toBe(false);

      await db.primary.insert(notes).values({ body: "replicated" });

      await waitFor(
        "the standby to replay the insert",
        async () => (await db.replica.select().from(notes)).some((n) => n.body === "replicated"),
        5_000,
      );
    });
  });

  describe("read-your-writes on a lagging replica", () => {
    let db: Database;
    beforeAll(async () => {
      db = await openPostgres({
        url: pg.primary.url(),
        replicaUrl: pg.replica!.url(),
        replicaPollMs: 20,
        replicaRefreshMs: 200,
        applicationName: "ryw-adapter",
        onError: () => {},
      });
      await db.migrate(fixtureMigrations);
      await waitFor("the replica to replay the migration", async () => Array.isArray(await bodies()));
    }, 60_000);
    afterAll(() => db?.close());

    const bodies = async () => (await db.replica.select({ body: notes.body }).from(notes)).map((n) => n.body);

    it("reads a caller's own write back at once although the replica replays a second late", async () => {
      await pg.delayReplica(1_000);
      await db.primary.insert(notes).values({ body: "price changed" });
      const lsn = await db.currentLsn!();

      expect(await withRequestScope({ requestId: "r1", minLsn: lsn }, bodies)).toContain("price changed");
      expect(await bodies()).not.toContain("price changed"); // anyone else may read the lagging replica
      await waitFor(
        "the replica to replay the write",
        async () => (await bodies()).includes("price changed"),
        5_000,
      );
      await pg.delayReplica(0);
    });

    it("reads the replica's position only when a read needs a newer one, or once per refresh while it is read: an idle process sends it nothing", async () => {
      /** The replica's clock; when the adapter's connections there last finished a statement; position reads seen. */
      const replicaSide = async () =>
        (
          await query<{ now: string; last: string; polls: string | null }>(
            pg.replica!.url(),
            `select clock_timestamp()::text as now,
                    (select max(state_change)::text from pg_stat_activity where application_name = 'ryw-adapter') as last,
                    (select string_agg(state_change::text, ',') from pg_stat_activity
                      where application_name = 'ryw-adapter' and query like '%pg_last_wal_replay_lsn%') as polls`,
          )
        )[0]!;
      await bodies();
      await Bun.sleep(400); // past replicaRefreshMs, with nothing reading
      const idle = await replicaSide();
      await Bun.sleep(300); // fifteen polls' worth
      expect((await replicaSide()).last).toBe(idle.last);

      // Reads for 150 ms (under one refresh), none carrying a newer write: at most one position read.
      const polls = new Set<string>();
      const started = await replicaSide();
      const until = performance.now() + 150;
      while (performance.now() < until) {
        await bodies();
        for (const at of (await replicaSide()).polls?.split(",") ?? []) if (at > started.now) polls.add(at);
      }
      expect(polls.size).toBeLessThanOrEqual(1);

      // A read that needs a newer position than held goes to the primary, and the position is read at once.
      await db.primary.insert(notes).values({ body: "newer" });
      const lsn = await db.currentLsn!();
      const asked = await replicaSide();
      expect(await withRequestScope({ requestId: "r2", minLsn: lsn }, bodies)).toContain("newer");
      await waitFor(
        "the position to be read again",
        async () => ((await replicaSide()).polls?.split(",") ?? []).some((at) => at > asked.now),
        1_000,
      );
    });

    it("reads from the primary while the replica is down, and from the replica again once it is back", async () => {
      const standby = async () =>
        rowsOf<{ standby: boolean }>(await db.replica.execute(sql`select pg_is_in_recovery() as standby`))[0]
          ?.standby;
      expect(await standby()).toBe(true);

      await pg.stopReplica();
      await waitFor("reads to move to the primary", async () => (await standby()) === false, 5_000);
      expect(await bodies()).toContain("price changed");

      await pg.startReplica();
      await waitFor("reads to return to the replica", async () => (await standby()) === true, 10_000);
    });
  });
});
