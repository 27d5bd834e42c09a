import { chmodSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import { createFastrClient } from "../../routers/client.ts";
import { freePort } from "../../shapes/cluster/child.ts";
import { type Cluster, type ClusterOptions, startCluster } from "../../shapes/cluster/cluster.ts";
import { type Grant, publicApi } from "./accounts.ts";
import { findBinary } from "./binaries.ts";
import { withInitialisedPrimary } from "./postgres.ts";
import { sharedServer } from "./shared-servers.ts";
import { takeTurn } from "./turn.ts";

/** The programs a cluster suite needs, for `describeWith`. */
export const clusterBinaries = {
  postgres: findBinary("postgres", ["/usr/lib/postgresql/15/bin/postgres"]),
  "redis-server": findBinary("redis-server", ["/usr/bin/redis-server"]),
  nginx: findBinary("nginx", ["/usr/sbin/nginx"]),
};

const ROOT = resolve(import.meta.dir, "../..");

/** Where a test cluster keeps its data, and how it runs. */
export type TestClusterOptions = {
  /** A data directory the caller owns and keeps (a second start on it reuses the data); a fresh temporary one by default. */
  dir?: string;
  /** fsync and synchronous commit on, as `bun run cluster` runs (off by default: faster). */
  durable?: boolean;
  /** Processes per service (two by default, as `bun run cluster` runs). */
  instancesPerService?: number;
  /** Processes of the services named here, where they differ from `instancesPerService`. */
  instances?: ClusterOptions["instances"];
  /** The event bus: Redis Streams by default; Kafka (KAFKA_BROKERS when set, else the mock peer). */
  bus?: "redis-streams" | "kafka";
  /** Also start Prometheus scraping every instance (a process more: only for suites that look at it). */
  prometheus?: boolean;
};

/**
 * The distributed shape for a test file: Postgres primary + replica, Redis, NGINX and two
 * processes of every service, in a temporary directory, fast rather than durable. The handle speaks
 * to it the way a client would: through NGINX's public URL. With `bus: "kafka"` the events go through
 * the brokers in KAFKA_BROKERS when set, else through librdkafka's mock peer the cluster starts.
 * Prometheus only when asked for (it costs a process and the suites that do not look at it should not pay).
 * It waits first until no other test process of this checkout has a cluster running (`stop()` lets the
 * next one start).
 * @example const shop = await startTestCluster({ SMTP_URL: smtp.url }); ... await shop.stop();
 */
export async function startTestCluster(env: Record<string, string> = {}, options: TestClusterOptions = {}) {
  const bus = options.bus ?? "redis-streams";
  const dir = options.dir ?? mkdtempSync(join(tmpdir(), "fastr-cluster-"));
  chmodSync(dir, 0o755); // Postgres runs as its own user and must reach its folders

  // One test cluster at a time per checkout: the gate runs test files on two workers, and two clusters
  // of twenty processes each on the build machine's two cores only slow each other down (ADR 161).
  // A fresh directory's primary is copied in rather than made by initdb (see withInitialisedPrimary).
  await withInitialisedPrimary(join(dir, "postgres"));

  const turn = await takeTurn(`fastr-test-cluster-${Bun.hash(ROOT).toString(36)}`);
  const cluster: Cluster = await startCluster({
    dir,
    port: freePort(),
    durable: options.durable ?? false,
    ...(options.instancesPerService && { instancesPerService: options.instancesPerService }),
    ...(options.instances && { instances: options.instances }),
    bus,
    ...(bus === "kafka" &&
      process.env.KAFKA_BROKERS && { kafkaBrokers: process.env.KAFKA_BROKERS.split(",") }),
    prometheus: options.prometheus ?? false,
    env: {
      LOG_LEVEL: "info",
      // Buyers in these tests all come from 127.0.0.1.
      SIGNUP_LIMIT: "1000000",
      // Argon2id at its smallest cost in the auth processes (they inherit NODE_ENV=test; ADR 160).
      FASTR_TEST_CHEAP_PASSWORD_HASHES: "true",
      ...env,
    },
  }).catch((error) => {
    turn.release();
    throw error;
  });

  /**
   * The staff account, made once as an operator would (`bun run staff:create` against the cluster),
   * and its session, shared while it works: sign-ins from 127.0.0.1 are throttled, and one suite may
   * end the session (the fuzz test calls `auth.logout` as staff).
   */
  let staffAccount: ReturnType<typeof makeStaff> | undefined;
  let staffSession: Promise<Grant> | undefined;
  async function makeStaff() {
    const email = `staff-${Date.now().toString(36)}@example.test`;
    const password = "staff password 1";
    const run = Bun.spawnSync(["bun", "scripts/staff-create.ts", "--email", email, "--password", password], {
      cwd: ROOT,
      env: { ...process.env, DATABASE_URL: cluster.databaseUrl, REDIS_URL: cluster.redisUrl },
      stdout: "pipe",
      stderr: "pipe",
    });
    if (run.exitCode !== 0) throw new Error(`staff:create failed: ${run.stderr.toString()}`);
    return { email, password };
  }
  async function signInStaff() {
    const guest = createFastrClient({ baseUrl: cluster.url });
    const session = await staffSession?.catch(() => null);
    if (session && (await withToken(session.token).auth.me.query())) return session;
    staffAccount ??= makeStaff();
    staffSession = guest.auth.login.mutate(await staffAccount);
    return staffSession;
  }
  const withToken = (token: string) =>
    createFastrClient({ baseUrl: cluster.url, headers: { authorization: `Bearer ${token}` } });

  return {
    cluster,
    ...publicApi(cluster.url, signInStaff),
    async stop() {
      await cluster.stop().finally(turn.release);
      if (!options.dir) rmSync(dir, { recursive: true, force: true });
    },
  };
}
export type TestCluster = Awaited<ReturnType<typeof startTestCluster>>;

/**
 * The cluster of this test process, shared by its test files (the `cluster` test target): started on
 * first use, stopped after the run (see shared-servers.ts).
 */
export const sharedTestCluster = () =>
  sharedServer(
    "cluster",
    () => startTestCluster(),
    (cluster) => cluster.stop(),
  );
