import { createHash } from "node:crypto";
import { chmodSync, existsSync, mkdirSync, mkdtempSync, readFileSync, renameSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { $ } from "bun";
import { requirePrograms } from "../../shapes/cluster/binaries.ts";
import { startPostgres as startCluster } from "../../shapes/cluster/postgres.ts";
import { findBinary } from "./binaries.ts";
import { sharedServer } from "./shared-servers.ts";

/** The server binary; initdb and pg_basebackup are taken from the same directory. */
export const postgresBinary = findBinary("postgres", ["/usr/lib/postgresql/15/bin/postgres"]);

const ROOT = resolve(import.meta.dir, "../..");
const CACHE = join(ROOT, "node_modules", ".cache", "fastr");
const STARTER = join(ROOT, "shapes/cluster/postgres.ts");

let template: Promise<string> | undefined;
/**
 * A primary's data directory as `startPostgres` (shapes/cluster/postgres.ts) leaves its first start,
 * cleanly stopped: initdb's cluster, the replication line in pg_hba.conf, the `fastr` database. Made
 * once per Postgres build and per version of that file, kept in node_modules/.cache/fastr.
 */
function initialisedPrimary() {
  template ??= (async () => {
    const { postgres } = requirePrograms("postgres");
    const version = (await $`${postgres} --version`.quiet().text()).trim();
    const key = createHash("sha256").update(version).update(readFileSync(STARTER)).digest("hex").slice(0, 16);
    const kept = join(CACHE, `postgres-primary-${key}`);
    if (existsSync(join(kept, "PG_VERSION"))) return kept;
    const scratch = mkdtempSync(join(tmpdir(), "fastr-pg-template-"));
    chmodSync(scratch, 0o755); // the server runs as the postgres user when we are root
    try {
      await (await startCluster({ dir: scratch, replica: false, durable: false })).stop();
      // Copied aside and renamed: another process never sees half of it. Whoever renames first wins.
      mkdirSync(CACHE, { recursive: true });
      const partial = `${kept}.${process.pid}`;
      await $`cp -a ${join(scratch, "primary")} ${partial}`.quiet();
      try {
        renameSync(partial, kept);
      } catch {
        rmSync(partial, { recursive: true, force: true });
      }
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
    return kept;
  })();
  return template;
}

/**
 * Puts an initialised primary into `dir` (a directory for `startPostgres` of shapes/cluster/postgres.ts,
 * or a test cluster's `postgres/`) unless it has one: the start then reuses it instead of running
 * initdb and creating the database, ~1.3 s of CPU a server on the build machine.
 * @example await withInitialisedPrimary(join(dir, "postgres")); const pg = await startPostgres({ dir: join(dir, "postgres"), … });
 */
export async function withInitialisedPrimary(dir: string) {
  const primary = join(dir, "primary");
  if (existsSync(join(primary, "PG_VERSION"))) return;
  const kept = await initialisedPrimary();
  mkdirSync(dir, { recursive: true });
  await $`cp -a ${kept} ${primary}`.quiet();
}

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
  await withInitialisedPrimary(dir);
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
