import { afterAll, expect, it } from "bun:test";
import { chmodSync, chownSync, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Client } from "pg";
import { describeWith, findBinary, freePort, waitFor } from "../support/binaries.ts";
import { postgresBinary } from "../support/postgres.ts";

// The scripts compose.yaml mounts into the postgres:15 image, run here against Postgres 15 from the
// system: the image's `gosu` and `docker-entrypoint.sh` are stood in for by two small shims that
// switch to the postgres user and start the server, as the image's own would.
const root = join(import.meta.dir, "../..");
const scripts = join(root, "deploy/compose/postgres");
const setpriv = findBinary("setpriv", ["/usr/bin/setpriv"]);
const pgbouncer = findBinary("pgbouncer", ["/usr/sbin/pgbouncer"]);
// The replica script chowns its data directory to `postgres`, as it does as root in the container.
const asRoot = process.getuid?.() === 0 ? "root" : null;

const dir = mkdtempSync(join(tmpdir(), "fastr-compose-pg-"));
const running: Bun.Subprocess[] = [];
afterAll(async () => {
  for (const server of running.reverse()) {
    server.kill("SIGINT");
    await server.exited;
  }
  rmSync(dir, { recursive: true, force: true });
});

function postgresUser() {
  const entry = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .find(([name]) => name === "postgres");
  if (!entry) throw new Error("no `postgres` user on this machine");
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

async function query<T>(url: string, sql: string): Promise<T[]> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return (await client.query(sql)).rows as T[];
  } finally {
    await client.end().catch(() => {});
  }
}

describeWith(
  { postgres: postgresBinary, setpriv, pgbouncer, "root (the scripts chown as in the container)": asRoot },
  "compose.yaml's dev Postgres primary, replica and PgBouncer",
  () => {
    it("the replica clones the primary with the role and slot the init script made, streams its writes, is not cloned again on restart, and PgBouncer serves both", async () => {
      const owner = postgresUser();
      const bin = dirname(postgresBinary!);
      const shims = join(dir, "shims");
      mkdirSync(shims);
      chownSync(dir, owner.uid, owner.gid);
      writeFileSync(
        join(shims, "gosu"),
        '#!/bin/sh\nuser=$1; shift\nexec setpriv --reuid="$user" --regid="$user" --init-groups "$@"\n',
      );
      writeFileSync(
        join(shims, "docker-entrypoint.sh"),
        '#!/bin/sh\nexec gosu postgres "$@" -D "$PGDATA" -p "$PORT" -k "$SOCKETS" -c listen_addresses=127.0.0.1 -c fsync=off\n',
      );
      for (const shim of ["gosu", "docker-entrypoint.sh"]) chmodSync(join(shims, shim), 0o755);
      const PATH = `${shims}:${bin}:${process.env.PATH}`;
      const password = "replication-secret-42";

      // The primary as the image starts it: initdb, the `fastr` user and database, then the init scripts.
      const primaryData = join(dir, "primary");
      const initdb = Bun.spawnSync(
        [
          join(bin, "initdb"),
          "-D",
          primaryData,
          "-U",
          "fastr",
          "--auth-local=trust",
          "--auth-host=scram-sha-256",
          "--no-sync",
        ],
        { ...owner, stdout: "pipe", stderr: "pipe" },
      );
      expect(initdb.stderr.toString()).not.toContain("FATAL");
      const primaryPort = freePort();
      const primary = Bun.spawn(
        [
          join(bin, "postgres"),
          "-D",
          primaryData,
          "-p",
          String(primaryPort),
          "-k",
          dir,
          "-c",
          "listen_addresses=127.0.0.1",
          "-c",
          "fsync=off",
        ],
        { ...owner, stdout: "ignore", stderr: Bun.file(join(dir, "primary.log")) },
      );
      running.push(primary);
      const local = (database: string) =>
        `postgres://fastr@${encodeURIComponent(dir)}:${primaryPort}/${database}`;
      await waitFor("the primary", async () => (await query(local("postgres"), "select 1")).length === 1);
      await query(local("postgres"), "create database fastr");
      await query(local("postgres"), "alter role fastr password 'app-secret'");
      const init = Bun.spawnSync(["bash", join(scripts, "primary-init.sh")], {
        ...owner,
        env: {
          PATH,
          PGHOST: dir,
          PGPORT: String(primaryPort),
          PGDATA: primaryData,
          POSTGRES_USER: "fastr",
          POSTGRES_DB: "fastr",
          REPLICATION_PASSWORD: password,
        },
        stdout: "pipe",
        stderr: "pipe",
      });
      expect(init.stderr.toString()).toBe("");
      expect(init.exitCode).toBe(0);
      await query(local("postgres"), "select pg_reload_conf()");

      const replicaPort = freePort();
      const replicaEnv = {
        PATH,
        PGDATA: join(dir, "replica", "pgdata"),
        PRIMARY_HOST: "127.0.0.1",
        PRIMARY_PORT: String(primaryPort),
        REPLICATION_PASSWORD: password,
        PORT: String(replicaPort),
        SOCKETS: dir,
      };
      const startReplica = (log: string) => {
        const replica = Bun.spawn(["bash", join(scripts, "replica-entrypoint.sh"), "postgres"], {
          env: replicaEnv,
          stdout: Bun.file(join(dir, `${log}.out`)),
          stderr: Bun.file(join(dir, `${log}.log`)),
        });
        running.push(replica);
        return replica;
      };
      const replicaUrl = `postgres://fastr:app-secret@127.0.0.1:${replicaPort}/fastr`;
      const inRecovery = async () =>
        (await query<{ standby: boolean }>(replicaUrl, "select pg_is_in_recovery() as standby"))[0]
          ?.standby === true;

      const first = startReplica("replica-1");
      await waitFor("the replica to clone the primary and start", inRecovery, 30_000);
      expect(readFileSync(join(dir, "replica-1.out"), "utf8")).toContain("replica: cloning the primary");

      const primaryUrl = `postgres://fastr:app-secret@127.0.0.1:${primaryPort}/fastr`;
      await query(primaryUrl, "create table written (id int); insert into written values (42)");
      await waitFor(
        "the write to reach the replica",
        async () => (await query<{ id: number }>(replicaUrl, "select id from written"))[0]?.id === 42,
      );
      const slots = await query<{ slot_name: string; active: boolean }>(
        primaryUrl,
        "select slot_name, active from pg_replication_slots",
      );
      expect(slots).toEqual([{ slot_name: "replica", active: true }]);

      first.kill("SIGINT");
      await first.exited;
      startReplica("replica-2");
      await waitFor("the replica to start again", inRecovery, 30_000);
      expect(readFileSync(join(dir, "replica-2.out"), "utf8")).not.toContain("cloning");

      // PgBouncer with compose's pgbouncer.ini; only the addresses are this host's. The userlist is
      // what the image's entrypoint writes from DB_USER/DB_PASSWORD with AUTH_TYPE=scram-sha-256.
      const bouncerPort = freePort();
      const ini = readFileSync(join(root, "deploy/compose/pgbouncer/pgbouncer.ini"), "utf8")
        .replace("host=postgres-replica port=5432", `host=127.0.0.1 port=${replicaPort}`)
        .replace("host=postgres port=5432", `host=127.0.0.1 port=${primaryPort}`)
        .replace("listen_addr = 0.0.0.0", "listen_addr = 127.0.0.1")
        .replace("listen_port = 6432", `listen_port = ${bouncerPort}`)
        .replace("/etc/pgbouncer/userlist.txt", join(dir, "userlist.txt"));
      writeFileSync(join(dir, "pgbouncer.ini"), ini);
      writeFileSync(join(dir, "userlist.txt"), '"fastr" "app-secret"\n');
      running.push(
        Bun.spawn([pgbouncer!, join(dir, "pgbouncer.ini")], {
          ...owner,
          stdout: "ignore",
          stderr: Bun.file(join(dir, "pgbouncer.log")),
        }),
      );
      const through = (database: string, password = "app-secret") =>
        `postgres://fastr:${password}@127.0.0.1:${bouncerPort}/${database}`;
      const standby = async (url: string) =>
        (await query<{ standby: boolean }>(url, "select pg_is_in_recovery() as standby"))[0]?.standby;
      await waitFor("PgBouncer", async () => (await standby(through("fastr"))) === false);
      expect(await standby(through("fastr_replica"))).toBe(true);
      await expect(standby(through("fastr", "wrong"))).rejects.toThrow("authentication failed");
    }, 90_000);
  },
);
