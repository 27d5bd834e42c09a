import { chownSync, mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { requirePrograms } from "./binaries.ts";
import { type Child, freePort, readyOrDied, serviceOwner, spawnChild, waitFor } from "./child.ts";
import { query } from "./postgres.ts";

export type PgBouncer = Child & {
  port: number;
  /** The primary through the pooler: what services write with. */
  primaryUrl: string;
  /** The replica through the pooler (the primary when there is no replica). */
  replicaUrl: string;
};

/**
 * PgBouncer in transaction mode in front of the primary (`fastr`) and the replica (`fastr_replica`):
 * thousands of client connections share a few server connections. Transaction mode hands a server
 * connection back after every transaction, so clients must not use named prepared statements or
 * session state (advisory locks only per transaction, no SET, no LISTEN).
 */
export async function startPgBouncer(options: {
  dir: string;
  primaryPort: number;
  replicaPort: number | null;
  poolSize?: number;
}): Promise<PgBouncer> {
  const { pgbouncer } = requirePrograms("pgbouncer");
  mkdirSync(options.dir, { recursive: true });
  const owner = serviceOwner();
  if (owner) chownSync(options.dir, owner.uid, owner.gid);
  const port = freePort();
  const poolSize = options.poolSize ?? 20;
  const database = (name: string, serverPort: number) =>
    `${name} = host=127.0.0.1 port=${serverPort} dbname=fastr user=postgres pool_size=${poolSize}`;
  writeFileSync(join(options.dir, "userlist.txt"), `"postgres" ""\n`);
  writeFileSync(
    join(options.dir, "pgbouncer.ini"),
    [
      "[databases]",
      database("fastr", options.primaryPort),
      database("fastr_replica", options.replicaPort ?? options.primaryPort),
      "[pgbouncer]",
      "listen_addr = 127.0.0.1",
      `listen_port = ${port}`,
      `unix_socket_dir = ${options.dir}`,
      "auth_type = trust",
      `auth_file = ${join(options.dir, "userlist.txt")}`,
      "pool_mode = transaction",
      "max_client_conn = 2000",
      "default_pool_size = 20",
      "server_reset_query =",
      // A server it could not reach (a replica restarting) is tried again after 1 s, not the default
      // 15: reads go back to the replica as soon as it is up.
      "server_login_retry = 1",
      "ignore_startup_parameters = extra_float_digits,options",
      "admin_users = postgres",
      "log_connections = 0",
      "log_disconnections = 0",
      "",
    ].join("\n"),
  );
  const child = spawnChild("pgbouncer", [pgbouncer, join(options.dir, "pgbouncer.ini")], {
    logFile: join(options.dir, "pgbouncer.log"),
    owner,
  });
  const primaryUrl = `postgres://postgres@127.0.0.1:${port}/fastr`;
  await readyOrDied(
    child,
    waitFor(`pgbouncer on port ${port}`, async () => (await query(primaryUrl, "select 1")).length === 1),
  );
  return { ...child, port, primaryUrl, replicaUrl: `postgres://postgres@127.0.0.1:${port}/fastr_replica` };
}
