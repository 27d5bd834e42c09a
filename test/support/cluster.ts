import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createFastrClient } from "../../routers/client.ts";
import { freePort } from "../../shapes/cluster/child.ts";
import { type Cluster, startCluster } from "../../shapes/cluster/cluster.ts";
import { findBinary } from "./binaries.ts";
import { uniqueEmail } from "./shop.ts";

/** The programs a cluster suite needs, for `describeWith`. */
export const clusterBinaries = {
  postgres: findBinary("postgres", ["/usr/lib/postgresql/15/bin/postgres"]),
  pgbouncer: findBinary("pgbouncer", ["/usr/sbin/pgbouncer"]),
  "redis-server": findBinary("redis-server", ["/usr/bin/redis-server"]),
  nginx: findBinary("nginx", ["/usr/sbin/nginx"]),
};

const ROOT = resolve(import.meta.dir, "../..");

/**
 * The distributed shape for a test file: Postgres primary + replica, PgBouncer, Redis, NGINX and two
 * processes of every service, in a temporary directory, fast rather than durable. The handle speaks
 * to it the way a client would: through NGINX's public URL. With `bus: "kafka"` the events go through
 * the brokers in KAFKA_BROKERS when set, else through librdkafka's mock peer the cluster starts.
 * Prometheus only when asked for (it costs a process and the suites that do not look at it should not pay).
 * @example const shop = await startTestCluster({ SMTP_URL: smtp.url }); ... await shop.stop();
 */
export async function startTestCluster(
  env: Record<string, string> = {},
  {
    bus = "redis-streams",
    prometheus = false,
  }: { bus?: "redis-streams" | "kafka"; prometheus?: boolean } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "fastr-cluster-"));
  chmodSync(dir, 0o755); // Postgres and PgBouncer run as their own user and must reach their folders

  const cluster: Cluster = await startCluster({
    dir,
    port: freePort(),
    durable: false,
    bus,
    ...(bus === "kafka" &&
      process.env.KAFKA_BROKERS && { kafkaBrokers: process.env.KAFKA_BROKERS.split(",") }),
    prometheus,
    env: {
      LOG_LEVEL: "info",
      // Buyers in these tests all come from 127.0.0.1.
      SIGNUP_LIMIT: "1000000",
      ...env,
    },
  });
  const url = cluster.url;

  const client = (token?: string) =>
    createFastrClient({ baseUrl: url, headers: token ? { authorization: `Bearer ${token}` } : {} });

  let staffAccount: Promise<{ token: string; client: ReturnType<typeof client> }> | undefined;
  return {
    cluster,
    url,
    client,
    fetch: (path: string, init?: RequestInit) => fetch(`${url}${path}`, init),
    /** Signs up a fresh customer through NGINX. */
    async customer(name = "Ada Shopper") {
      const email = uniqueEmail();
      const grant = await client().auth.signup.mutate({ email, password: "correct horse battery", name });
      return { ...grant, email, password: "correct horse battery", client: client(grant.token) };
    },
    /** The staff account, made once as an operator would (`bun run staff:create` against the cluster). */
    staff() {
      staffAccount ??= makeStaff();
      return staffAccount;
    },
    async stop() {
      await cluster.stop();
      rmSync(dir, { recursive: true, force: true });
    },
  };

  async function makeStaff() {
    const email = `staff-${Date.now().toString(36)}@example.test`;
    const run = Bun.spawnSync(
      ["bun", "scripts/staff-create.ts", "--email", email, "--password", "staff password 1"],
      {
        cwd: ROOT,
        env: { ...process.env, DATABASE_URL: cluster.databaseUrl, REDIS_URL: cluster.redisUrl },
        stdout: "pipe",
        stderr: "pipe",
      },
    );
    if (run.exitCode !== 0) throw new Error(`staff:create failed: ${run.stderr.toString()}`);
    const grant = await client().auth.login.mutate({ email, password: "staff password 1" });
    return { ...grant, client: client(grant.token) };
  }
}
export type TestCluster = Awaited<ReturnType<typeof startTestCluster>>;
