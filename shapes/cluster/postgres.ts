import { appendFileSync, chownSync, existsSync, mkdirSync } from "node:fs";
import { dirname, join } from "node:path";
import { Client } from "pg";
import { requirePrograms } from "./binaries.ts";
import { type Child, freePort, readyOrDied, serviceOwner, spawnChild, waitFor } from "./child.ts";

export type PostgresNode = Child & {
  port: number;
  url(database?: string): string;
  /** Where the server writes its log (stderr). */
  logFile: string;
};

export type PostgresOptions = {
  /** Holds `primary/` and `replica/`; kept between runs, so a second start reuses the data. */
  dir: string;
  replica: boolean;
  /** Off for throwaway test servers: no fsync, several times faster to create and write. */
  durable?: boolean;
};

const owner = () => serviceOwner();

async function run(command: string[]) {
  const proc = Bun.spawn(command, { ...(owner() ?? {}), stdout: "pipe", stderr: "pipe" });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`${command[0]} exited with ${code}:\n${out}${err}`);
}

export async function query<T>(url: string, sql: string, params: unknown[] = []): Promise<T[]> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query(sql, params)).rows as T[];
  } finally {
    await client.end().catch(() => {});
  }
}

function ownedDir(path: string) {
  mkdirSync(dirname(path), { recursive: true });
  mkdirSync(path, { recursive: true, mode: 0o700 });
  const o = owner();
  if (o) chownSync(path, o.uid, o.gid);
  return path;
}

function startNode(
  name: string,
  data: string,
  socketDir: string,
  settings: Record<string, string>,
  port = freePort(),
): PostgresNode {
  const { postgres } = requirePrograms("postgres");
  const args = Object.entries({ listen_addresses: "127.0.0.1", ...settings }).flatMap(([k, v]) => [
    "-c",
    `${k}=${v}`,
  ]);
  const logFile = join(socketDir, `${name}.log`);
  const child = spawnChild(name, [postgres, "-D", data, "-p", String(port), "-k", socketDir, ...args], {
    logFile,
    owner: owner(),
  });
  return {
    ...child,
    port,
    logFile,
    url: (database = "fastr") => `postgres://postgres@127.0.0.1:${port}/${database}`,
    // SIGINT is Postgres's fast shutdown: disconnect clients, checkpoint, exit.
    stop: (signal = "SIGINT", graceMs) => child.stop(signal, graceMs),
  };
}

async function ready(node: PostgresNode, check: (url: string) => Promise<boolean>) {
  await readyOrDied(
    node,
    waitFor(`${node.name} on port ${node.port}`, () => check(node.url("postgres")), 30_000),
  );
}

/**
 * A PostgreSQL 15 primary and, optionally, a streaming replica (pg_basebackup), on free 127.0.0.1
 * ports, with a `fastr` database. Data directories are created on the first start and reused later.
 * @example const pg = await startPostgres({ dir: ".fastr/cluster/postgres", replica: true });
 */
export async function startPostgres(options: PostgresOptions) {
  const { initdb, pg_basebackup } = requirePrograms("initdb", "pg_basebackup");
  const dir = ownedDir(options.dir);
  const primaryData = join(dir, "primary");
  const replicaData = join(dir, "replica");
  const speed: Record<string, string> =
    options.durable === false ? { fsync: "off", synchronous_commit: "off", full_page_writes: "off" } : {};
  // Every service instance keeps a pool of up to 10 connections to each server (14 instances: 140),
  // beside the bench's pgbench clients and the tests' own.
  const common = { ...speed, wal_level: "replica", max_wal_senders: "10", max_connections: "300" };

  const fresh = !existsSync(join(primaryData, "PG_VERSION"));
  if (fresh) {
    await run([
      initdb,
      "-D",
      primaryData,
      "--auth=trust",
      "-U",
      "postgres",
      "--no-locale",
      "--encoding=UTF8",
      ...(options.durable === false ? ["--no-sync"] : []),
    ]);
    appendFileSync(join(primaryData, "pg_hba.conf"), "host replication postgres 127.0.0.1/32 trust\n");
  }
  const primary = startNode("postgres-primary", primaryData, dir, common);
  await ready(primary, async (url) => (await query(url, "select 1")).length === 1);
  if (fresh) await query(primary.url("postgres"), "create database fastr");

  let replica: PostgresNode | null = null;
  // A restarted replica comes back on the port it had, where the services look for it.
  const replicaPort = freePort();
  const startReplica = async () => {
    if (!existsSync(join(replicaData, "PG_VERSION"))) {
      await run([
        pg_basebackup,
        ...["-D", replicaData, "-R", "-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres"],
        ...["--checkpoint=fast", "--wal-method=stream", ...(options.durable === false ? ["--no-sync"] : [])],
      ]);
    }
    // The primary's port changes between runs: tell the standby where it is now.
    const node = startNode(
      "postgres-replica",
      replicaData,
      dir,
      {
        ...common,
        hot_standby: "on",
        primary_conninfo: `host=127.0.0.1 port=${primary.port} user=postgres application_name=replica`,
      },
      replicaPort,
    );
    await ready(
      node,
      async (url) =>
        (await query<{ standby: boolean }>(url, "select pg_is_in_recovery() as standby"))[0]?.standby ===
        true,
    );
    replica = node;
    return node;
  };
  if (options.replica) await startReplica();

  return {
    primary,
    get replica() {
      return replica;
    },
    /** Starts the replica again after `stopReplica` (tests of failover to the primary). */
    startReplica,
    async stopReplica() {
      await replica?.stop();
      replica = null;
    },
    /** Delays replay on the replica (recovery_min_apply_delay): reads from it lag by `ms`. */
    async delayReplica(ms: number) {
      if (!replica) throw new Error("no replica is running");
      await query(replica.url(), `alter system set recovery_min_apply_delay = '${Math.round(ms)}ms'`);
      await query(replica.url(), "select pg_reload_conf()");
    },
    async stop() {
      // Standby first: a primary's fast shutdown waits for its WAL senders.
      await replica?.stop();
      await primary.stop();
    },
  };
}
export type ClusterPostgres = Awaited<ReturnType<typeof startPostgres>>;
