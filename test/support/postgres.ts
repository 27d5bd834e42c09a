import { appendFileSync, chownSync, existsSync, mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import { Client } from "pg";
import { findBinary, freePort, waitFor } from "./binaries.ts";

/** The server binary; initdb and pg_basebackup are taken from the same directory. */
export const postgresBinary = findBinary("postgres", ["/usr/lib/postgresql/15/bin/postgres"]);

export type ThrowawayPostgres = {
  /** `postgres://postgres@127.0.0.1:<port>/fastr` on the primary. */
  url: string;
  /** The same database on a streaming standby; only with `{ replica: true }`. */
  replicaUrl?: string;
  stop(): Promise<void>;
};

// Durability off: a test server's data is thrown away anyway, and initdb + start-up get several times faster.
const fastAndLocal = [
  ["listen_addresses", "127.0.0.1"],
  ["fsync", "off"],
  ["synchronous_commit", "off"],
  ["full_page_writes", "off"],
  ["wal_level", "replica"],
].flatMap(([name, value]) => ["-c", `${name}=${value}`]);

/**
 * Starts a PostgreSQL 15 in a temporary directory, on a free port bound to 127.0.0.1, with a `fastr`
 * database; `{ replica: true }` adds a streaming standby taken with pg_basebackup.
 * `stop()` shuts the servers down by PID and deletes the directory.
 * @example
 * const pg = await startPostgres({ replica: true });
 * const db = await openPostgres({ url: pg.url, replicaUrl: pg.replicaUrl });
 * // ... then: await db.close(); await pg.stop();
 */
export async function startPostgres(options: { replica?: boolean } = {}): Promise<ThrowawayPostgres> {
  const owner = serverOwner();
  const dir = mkdtempSync(join(tmpdir(), "fastr-pg-"));
  if (owner) chownSync(dir, owner.uid, owner.gid);
  const servers: Server[] = [];
  const stop = async () => {
    // Standby first: a primary's fast shutdown waits for its WAL senders.
    for (const server of servers.reverse()) await server.stop();
    servers.length = 0;
    rmSync(dir, { recursive: true, force: true });
  };
  try {
    const primaryData = join(dir, "primary");
    await run(owner, [
      "initdb",
      "-D",
      primaryData,
      "--auth=trust",
      "-U",
      "postgres",
      "--no-sync",
      "--no-locale",
    ]);
    appendFileSync(join(primaryData, "pg_hba.conf"), "host replication postgres 127.0.0.1/32 trust\n");
    const primary = await startServer(owner, primaryData, dir, "primary");
    servers.push(primary);
    await withClient(primary.url("postgres"), (client) => client.query("create database fastr"));
    if (!options.replica) return { url: primary.url("fastr"), stop };

    const replicaData = join(dir, "replica");
    await run(owner, [
      "pg_basebackup",
      ...["-D", replicaData, "-R", "-h", "127.0.0.1", "-p", String(primary.port), "-U", "postgres"],
      ...["--checkpoint=fast", "--wal-method=stream", "--no-sync"],
    ]);
    const replica = await startServer(owner, replicaData, dir, "replica");
    servers.push(replica);
    const replicaUrl = replica.url("fastr");
    await waitFor("the replica to be in recovery", () =>
      withClient(replicaUrl, async (client) => {
        const { rows } = await client.query<{ standby: boolean }>("select pg_is_in_recovery() as standby");
        return rows[0]?.standby === true;
      }),
    );
    return { url: primary.url("fastr"), replicaUrl, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}

function binDir() {
  if (!postgresBinary) throw new Error("no PostgreSQL server binaries (apt-get install postgresql-15)");
  return dirname(postgresBinary);
}

type Owner = { uid: number; gid: number };
type Server = { port: number; url(database: string): string; stop(): Promise<void> };

/** Postgres refuses to run as root; as root we run it as the `postgres` system user. */
function serverOwner(): Owner | null {
  if (process.getuid?.() !== 0) return null;
  const entry = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .find(([name]) => name === "postgres");
  if (!entry) throw new Error("running as root, and there is no `postgres` user to run PostgreSQL as");
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}

async function run(owner: Owner | null, [tool, ...args]: string[]) {
  const proc = Bun.spawn([join(binDir(), tool!), ...args], {
    ...owner,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, out, err] = await Promise.all([
    proc.exited,
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  if (code !== 0) throw new Error(`${tool} exited with ${code}:\n${out}${err}`);
}

async function startServer(
  owner: Owner | null,
  data: string,
  socketDir: string,
  name: string,
): Promise<Server> {
  const port = freePort();
  const logFile = join(socketDir, `${name}.log`);
  const proc = Bun.spawn(
    [join(binDir(), "postgres"), "-D", data, "-p", String(port), "-k", socketDir, ...fastAndLocal],
    { ...owner, stdin: "ignore", stdout: "ignore", stderr: Bun.file(logFile) },
  );
  // If the test process dies without calling stop(), take the server down with it (immediate shutdown).
  const orphanGuard = () => proc.kill("SIGQUIT");
  process.once("exit", orphanGuard);
  const url = (database: string) => `postgres://postgres@127.0.0.1:${port}/${database}`;
  const log = () => (existsSync(logFile) ? readFileSync(logFile, "utf8") : "");
  const stop = async () => {
    process.off("exit", orphanGuard);
    if (proc.exitCode !== null) return;
    proc.kill("SIGINT"); // fast shutdown: disconnect clients, checkpoint, exit
    const hung = setTimeout(() => proc.kill("SIGKILL"), 10_000);
    await proc.exited;
    clearTimeout(hung);
  };
  const ready = waitFor(`${name} postgres on port ${port}`, () =>
    withClient(url("postgres"), async (client) => (await client.query("select 1")).rowCount === 1),
  );
  const died = proc.exited.then((code) => {
    throw new Error(`${name} postgres exited with ${code} during start-up:\n${log()}`);
  });
  died.catch(() => {}); // once started, an exit (our own stop) is not a start-up failure
  try {
    await Promise.race([ready, died]);
  } catch (error) {
    await stop();
    throw error;
  }
  return { port, url, stop };
}

async function withClient<T>(url: string, use: (client: Client) => Promise<T>): Promise<T> {
  const client = new Client({ connectionString: url });
  try {
    await client.connect();
    return await use(client);
  } finally {
    await client.end().catch(() => {});
  }
}
