import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startPostgres as startCluster } from "../../shapes/cluster/postgres.ts";
import { findBinary } from "./binaries.ts";
import { sharedServer } from "./shared-servers.ts";

/** The server binary; initdb and pg_basebackup are taken from the same directory. */
export const postgresBinary = findBinary("postgres", ["/usr/lib/postgresql/15/bin/postgres"]);

export type ThrowawayPostgres = {
  /** `postgres://postgres@127.0.0.1:<port>/fastr` on the primary. */
  url: string;
  /** The same database on a streaming standby; only with `{ replica: true }`. */
  replicaUrl?: string;
  stop(): Promise<void>;
};

/**
 * A PostgreSQL 15 in a temporary directory, on a free port bound to 127.0.0.1, with a `fastr`
 * database and durability off (a test's data is thrown away); `{ replica: true }` adds a streaming
 * standby. `stop()` shuts the servers down by PID and deletes the directory.
 * @example
 * const pg = await startPostgres({ replica: true });
 * const db = await openPostgres({ url: pg.url, replicaUrl: pg.replicaUrl });
 * // ... then: await db.close(); await pg.stop();
 */
export async function startPostgres(options: { replica?: boolean } = {}): Promise<ThrowawayPostgres> {
  const dir = mkdtempSync(join(tmpdir(), "fastr-pg-"));
  chmodSync(dir, 0o755); // the servers run as the postgres user when we are root
  const servers = await startCluster({ dir, replica: options.replica ?? false, durable: false });
  return {
    url: servers.primary.url(),
    ...(servers.replica && { replicaUrl: servers.replica.url() }),
    async stop() {
      await servers.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/**
 * The Postgres of this test process, shared by its test files (the `pg` test target puts a fresh
 * database per shop on it): started on first use, stopped after the run (see shared-servers.ts).
 */
export const sharedPostgres = () =>
  sharedServer(
    "postgres",
    () => startPostgres(),
    (pg) => pg.stop(),
  );
