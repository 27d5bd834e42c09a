import Redis from "ioredis";
import { mountStorefront, prepareStorefront, type Storefront } from "../../clients/web/serve.ts";
import type { Bus } from "../../platform/bus/port.ts";
import { redisStreamsBus } from "../../platform/bus/redis-streams.ts";
import type { Cache } from "../../platform/cache/port.ts";
import type { Clock } from "../../platform/clock.ts";
import { openPostgres } from "../../platform/db/pg.ts";
import { openPglite } from "../../platform/db/pglite.ts";
import { openPgliteWorker } from "../../platform/db/pglite-worker.ts";
import type { Database } from "../../platform/db/port.ts";
import { IDLE_TIMEOUT_SECONDS } from "../../platform/http/serve.ts";
import type { Limits } from "../../platform/limits/port.ts";
import { type Logger, silentLogger } from "../../platform/log.ts";
import { testPasswordCost } from "../../services/auth/password.ts";
import { query } from "../../shapes/cluster/postgres.ts";
import { embeddedPorts } from "../../shapes/embedded/ports.ts";
import {
  createShop,
  embeddedSettings,
  readShopConfig,
  type Shop,
  type ShopOverrides,
} from "../../shapes/embedded/shop.ts";
import { type PublicApi, publicApi, uniqueEmail } from "./accounts.ts";
import { sharedTestCluster } from "./cluster.ts";
import { settleCluster } from "./cluster-settle.ts";
import { migratedDatabase } from "./migrated-database.ts";
import { sharedPostgres } from "./postgres.ts";
import { type TestTarget, testTarget } from "./target.ts";

export { uniqueEmail } from "./accounts.ts";

/**
 * A shop as its clients see it, on the target `FASTR_TEST_TARGET` names (see target.ts): the same
 * handle whether the shop is embedded on PGlite, embedded on Postgres, or the cluster behind NGINX.
 */
export type TestShop = PublicApi & {
  target: TestTarget;
  /** The shop's database (the primary), for assertions about what it stored. */
  db: Database;
  /** Hands events to the consumers over the shop's own transport (redeliveries, poison events). */
  bus: Pick<Bus, "publish">;
  /** Returns once the events sent so far have reached their consumers and due e-mails went out. */
  settle(): Promise<void>;
  /** Stops this shop (a shared cluster keeps running for the next test file). */
  stop(): Promise<void>;
};

/**
 * A real shop for a suite of the public API, on the selected target.
 * @example const shop = await startTestShop(); const { client } = await shop.customer(); ... await shop.stop();
 */
export function startTestShop(): Promise<TestShop> {
  return testTarget === "cluster" ? clusterShop() : startEmbeddedShop();
}

/**
 * The shared cluster behind NGINX. `db` is the primary itself, `bus` publishes to the Redis streams,
 * and `settle` waits until outboxes and streams are drained and the replica has caught up.
 */
async function clusterShop(): Promise<TestShop> {
  const { cluster, stop: _, ...api } = await sharedTestCluster();
  const db = await openTestPostgres(cluster.databaseUrl, 4);
  const bus = redisStreamsBus({ url: cluster.redisUrl });
  const redis = new Redis(cluster.redisUrl);
  return {
    ...api,
    target: "cluster",
    db,
    bus: { publish: (events) => bus.publish(events) },
    settle: () => settleCluster(db, redis, () => cluster.postgres.replica?.url() ?? null),
    async stop() {
      await bus.close();
      await redis.quit();
      await db.close();
    },
  };
}

export type EmbeddedShopOptions = {
  clock?: Clock;
  env?: Record<string, string>;
  overrides?: ShopOverrides;
  /** Reuse a database (a "restart"); a fresh one otherwise. */
  db?: Database;
  /** Every SQL statement the shop sends (PGlite only). */
  onQuery?: (sql: string) => void;
  /** Bounds of the in-memory cache (a small one makes eviction cheap to provoke). */
  cacheSize?: { maxEntries?: number; maxChars?: number };
  /** Where the shop logs (nowhere by default). */
  log?: Logger;
  /** Also serve the storefront at `/`, as `bun start` does (built first when missing or stale). */
  storefront?: boolean;
};

/** One build check and one load per test process, however many shops serve the storefront. */
let storefront: Promise<Storefront> | undefined;

/** The embedded shop's handle: the public one, plus what lives in the test's own process. */
export type EmbeddedShop = TestShop & {
  target: "pglite" | "pg";
  /** The composed services (jobs, settle, close). */
  shop: Shop;
  /** Each service's API, called directly. */
  services: Shop["services"];
  /** The in-process bus (publish, subscribe, drain). */
  bus: Bus;
  limits: Limits;
  /** The cache port the services share (in memory). */
  cache: Cache;
  /** Stops this shop as a crash would leave it (nothing finished) and starts a new one on the same database. */
  restart(overrides?: ShopOverrides): Promise<EmbeddedShop>;
};

const fastRetry = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

/**
 * `PGLITE_WORKER=true` runs the pglite target's shops on PGlite in a worker thread, as `bun start`
 * does (ADR 182). Test shops keep it on the test's thread unless asked: a worker's PGlite takes ~0.5 s
 * more CPU to open, per shop (`bun run test:worker` runs the suites that lean on the database so).
 */
const pgliteInWorker = embeddedSettings.shape.PGLITE_WORKER.parse(process.env.PGLITE_WORKER ?? "false");

let databases = 0;
/**
 * A fresh database for a shop (which migrates it at start-up): an in-memory PGlite, already migrated
 * (in a worker thread under `PGLITE_WORKER=true`), or (pg target) a new database on the process's Postgres.
 */
export async function freshDatabase(options: EmbeddedShopOptions = {}): Promise<Database> {
  if (testTarget === "pglite")
    return (pgliteInWorker ? openPgliteWorker : openPglite)(undefined, {
      from: await migratedDatabase(),
      // A test's database is tiny: Postgres's default 128 MB of shared buffers only cost page faults
      // at each start (~0.18 s of CPU per shop here; 8 MB: ~0.35 s instead of ~0.53).
      settings: { shared_buffers: "8MB" },
      ...(options.onQuery && { onQuery: options.onQuery }),
    });
  if (options.onQuery)
    throw new Error("onQuery needs PGlite: declare the suite with describeOn(['pglite'], …)");
  const pg = await sharedPostgres();
  const name = `shop_${process.pid}_${++databases}`;
  await query(pg.url, `create database ${name}`);
  const url = new URL(pg.url);
  url.pathname = `/${name}`;
  return openTestPostgres(String(url));
}

/**
 * A pool on a test server. pg's `Pool.end()` resolves before its connections have finished closing,
 * and the shared server may stop right after: what they report then is noise, not a failure.
 */
async function openTestPostgres(url: string, poolSize?: number): Promise<Database> {
  let closed = false;
  const db = await openPostgres({
    url,
    ...(poolSize && { poolSize }),
    onError: (error) => {
      if (!closed) console.error(`idle database connection failed: ${error.message}`);
    },
  });
  const close = db.close;
  db.close = () => {
    closed = true;
    return close();
  };
  return db;
}

/**
 * The embedded shop on a real loopback port, on PGlite or (pg target) Postgres, with the services in
 * this process: for suites that reach past the public API (services, a fake clock, test knobs, a
 * restart). Such a suite is declared with `describeEmbedded` (target.ts); on the cluster target it is
 * skipped, and this refuses to start.
 * @example const shop = await startEmbeddedShop({ clock }); await shop.services.auth.upsertStaff(…); await shop.stop();
 */
export async function startEmbeddedShop(options: EmbeddedShopOptions = {}): Promise<EmbeddedShop> {
  if (testTarget === "cluster")
    throw new Error(
      "this suite needs an embedded shop: declare it with describeEmbedded (test/support/target.ts)",
    );
  // Tests sign up and sign in from one address; throttling tests set their own limits.
  const config = readShopConfig({ LOG_LEVEL: "silent", SIGNUP_LIMIT: "1000000", ...options.env });
  const embedded = await embeddedPorts({
    log: options.log ?? silentLogger,
    db: options.db ?? (await freshDatabase(options)),
    ...(options.clock && { clock: options.clock }),
    ...(options.cacheSize && { cache: options.cacheSize }),
    bus: { retry: fastRetry },
  });
  const { db, limits, bus, cache } = embedded.ports;
  const shop = await createShop(config, embedded.ports, {
    loginLimits: { ipAttempts: 10_000 },
    // Tests sign up hundreds of accounts: argon2id at its smallest cost (ADR 160).
    passwordCost: testPasswordCost,
    sendRetry: fastRetry,
    periodicJobs: false,
    ...options.overrides,
  });
  if (options.storefront) {
    storefront ??= prepareStorefront();
    mountStorefront(shop.app, await storefront);
  }
  const server = Bun.serve({
    hostname: "127.0.0.1",
    port: 0,
    idleTimeout: IDLE_TIMEOUT_SECONDS, // as `bun start` serves
    fetch: shop.app.fetch,
  });
  const api = publicApi(server.url.origin, async () => {
    const email = uniqueEmail("staff");
    await shop.services.auth.upsertStaff({ email, password: "staff password 1", name: "Sam Staff" });
    return api.client().auth.login.mutate({ email, password: "staff password 1" });
  });

  return {
    ...api,
    target: testTarget,
    shop,
    services: shop.services,
    db,
    bus,
    limits,
    cache,
    settle: () => shop.settle(),
    async restart(overrides = {}) {
      await server.stop(true);
      await shop.close();
      return startEmbeddedShop({
        ...options,
        db,
        overrides: { ...options.overrides, faults: () => {}, ...overrides },
      });
    },
    async stop() {
      await server.stop(true);
      await shop.close();
      await embedded.close();
    },
  };
}

/** POST a tRPC mutation with a raw body: `{"json": input}`. */
export const mutationBody = (input: unknown) => JSON.stringify({ json: input });
/** The query string of a tRPC GET: `?input=<{"json": input}>`. */
export const queryString = (input: unknown) =>
  `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
