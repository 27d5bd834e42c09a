import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { notes } from "../../test/fixtures/schema.ts";
import { describeWith, waitFor } from "../../test/support/binaries.ts";
import { postgresBinary, startPostgres, type ThrowawayPostgres } from "../../test/support/postgres.ts";
import { dbContract, fixtureMigrations } from "./db.contract.ts";
import { openPostgres } from "./pg.ts";
import { type Database, rowsOf } from "./port.ts";

describeWith({ postgres: postgresBinary }, "pg adapter", () => {
  let server: ThrowawayPostgres;
  let databases = 0;
  beforeAll(async () => {
    server = await startPostgres();
  });
  afterAll(() => server?.stop());

  // Each contract test gets an empty database of its own on the one server.
  dbContract("pg", async () => {
    const name = `contract_${++databases}`;
    const admin = await openPostgres({ url: server.url, poolSize: 1 });
    await admin.primary.execute(sql.raw(`create database ${name}`));
    await admin.close();
    const url = new URL(server.url);
    url.pathname = `/${name}`;
    return openPostgres({ url: url.href });
  });

  describe("with a streaming replica", () => {
    let cluster: ThrowawayPostgres;
    let db: Database;
    beforeAll(async () => {
      cluster = await startPostgres({ replica: true });
      db = await openPostgres({ url: cluster.url, replicaUrl: cluster.replicaUrl });
      await db.migrate(fixtureMigrations);
    });
    afterAll(async () => {
      await db?.close();
      await cluster?.stop();
    });

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
});
