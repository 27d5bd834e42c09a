import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/node-postgres";
import { migrate } from "drizzle-orm/node-postgres/migrator";
import { Client, Pool } from "pg";
import { describeError } from "../log.ts";
import { lsnValue, requestScope } from "../request-context.ts";
import { type SqlPeer, tracedQuery, tracedTransaction } from "../telemetry/sql.ts";
import { type Database, type PoolUsage, rowsOf, type Sql } from "./port.ts";

/** How long a pooled connection may sit idle before it is closed. */
const IDLE_CONNECTION_MS = 5 * 60_000;

/**
 * A `pg` client that sends every statement unnamed, for a pooler that hands the server connection to
 * another client after each transaction: a statement prepared on one would be missing on the next.
 */
class UnnamedStatementsClient extends Client {
  override query(config: unknown, ...rest: unknown[]) {
    const named = typeof config === "object" && config !== null && "name" in config;
    // @ts-expect-error pg's overloads of `query` take a config object or text; only the config's name changes.
    return super.query(named ? { ...config, name: undefined } : config, ...rest);
  }
}

/** One lock for every service's migrations: they share the `drizzle` bookkeeping schema. */
const migrationLock = sql`hashtext('fastr:migrate')`;

/**
 * PostgreSQL over `pg` pools: the distributed shape's database. Reads through `replica` go to the
 * streaming standby when `replicaUrl` is given and it is fit for the current request: up, and (when
 * the caller carries the LSN of its last write, see request-context.ts) replayed at least that far.
 * Otherwise they go to the primary, so a caller always reads its own writes.
 * @example
 * const db = await openPostgres({ url: env.DATABASE_URL, replicaUrl: env.DATABASE_REPLICA_URL });
 * await db.migrate({ schema: "auth", folder: "services/auth/db/migrations" });
 */
export async function openPostgres({
  url,
  replicaUrl,
  poolSize = 10,
  applicationName,
  preparedStatements = false,
  replicaPollMs = 50,
  replicaRefreshMs = 1_000,
  onError = (error) =>
    console.error(
      JSON.stringify({ level: "error", msg: "idle database connection failed", error: describeError(error) }),
    ),
}: {
  url: string;
  replicaUrl?: string;
  poolSize?: number;
  /** Names this process's connections in `pg_stat_activity` (PgBouncer passes it on), e.g. `order-2`. */
  applicationName?: string;
  /**
   * Keep the statements `builtOnce` names prepared on each connection (ADR 181): true when the URLs
   * reach Postgres itself, or a pooler that keeps prepared statements (PgBouncer 1.21+ with
   * `max_prepared_statements`); false (the default) for a transaction-mode pooler that does not,
   * where a statement prepared on one server connection would be missing on the next.
   */
  preparedStatements?: boolean;
  /**
   * How soon the replica's replay position is read again when a read needed a newer one than held (or
   * the replica was lost): such reads go to the primary meanwhile.
   */
  replicaPollMs?: number;
  /** How soon it is read again otherwise, while reads ask for the replica (an idle process reads nothing). */
  replicaRefreshMs?: number;
  /** An idle pooled connection broke (server restart, failover); the pool replaces it. */
  onError?: (error: Error) => void;
}): Promise<Database> {
  const settings = {
    max: poolSize,
    // A connection closed after a lull is opened again at the next burst: straight to Postgres that
    // is a new backend, which forks, loads its catalog caches and prepares its statements anew.
    idleTimeoutMillis: IDLE_CONNECTION_MS,
    ...(applicationName && { application_name: applicationName }),
    ...(!preparedStatements && { Client: UnnamedStatementsClient }),
  };
  const primaryPool = new Pool({ connectionString: url, ...settings });
  const replicaPool = replicaUrl ? new Pool({ connectionString: replicaUrl, ...settings }) : undefined;
  // Without a listener, a connection the server drops while idle would crash the process.
  primaryPool.on("error", onError);
  replicaPool?.on("error", onError);
  const primaryPeer = peerOf(url, "primary");
  const primary = drizzle({ client: tracedPool(primaryPool, primaryPeer) }) as Sql;
  primary.transaction = tracedTransaction(primary.transaction.bind(primary), primaryPeer);
  /** The standby's replay position, or null while it does not answer; when it was last asked for. */
  let replayed: bigint | null = null;
  let polledAt = Number.NEGATIVE_INFINITY;
  let polling: Promise<void> | null = null;
  const standby = replicaPool
    ? (drizzle({
        client: tracedPool(
          readsFallingBackTo(primaryPool, replicaPool, () => (replayed = null)),
          peerOf(replicaUrl!, "replica"),
        ),
      }) as Sql)
    : null;

  const poll = async () => {
    polledAt = performance.now();
    try {
      const [row] = rowsOf<{ lsn: string | null }>(
        await standby!.execute(sql`select pg_last_wal_replay_lsn()::text as lsn`),
      );
      replayed = row?.lsn ? lsnValue(row.lsn) : null;
    } catch {
      replayed = null;
    }
  };
  /** Reads the position again unless it was read within `afterMs` (or is being read). */
  const pollAfter = (afterMs: number) => {
    if (polling || performance.now() - polledAt < afterMs) return;
    polling = poll().finally(() => {
      polling = null;
    });
  };
  if (standby) await poll();

  return {
    kind: "pg",
    primary,
    get replica() {
      if (!standby) return primary;
      // The position is read when a read needs a newer one than held, or the replica was lost (those
      // reads go to the primary meanwhile), and otherwise at most once per `replicaRefreshMs` while
      // reads ask (ADR 140): polling it every 50 ms while read cost each reading process ~20
      // statements a second through PgBouncer whether any read needed them or not.
      if (replayed === null) {
        pollAfter(replicaPollMs);
        return primary;
      }
      const needed = requestScope()?.minLsn;
      if (needed && lsnValue(needed) > replayed) {
        pollAfter(replicaPollMs);
        return primary;
      }
      pollAfter(replicaRefreshMs);
      return standby;
    },
    // The insert position, not the write position: with synchronous_commit off a commit record can
    // still sit in WAL buffers, and a replica "replayed up to the write position" would miss it.
    async currentLsn() {
      const [row] = rowsOf<{ lsn: string }>(
        await primary.execute(sql`select pg_current_wal_insert_lsn()::text as lsn`),
      );
      return row!.lsn;
    },
    async migrate({ schema, folder }) {
      // A dedicated session: an advisory lock belongs to the connection that took it, so several
      // processes starting at once queue here and the later ones find nothing left to apply.
      const client = new Client({ connectionString: url });
      await client.connect();
      try {
        const db = drizzle({ client });
        await db.execute(sql`select pg_advisory_lock(${migrationLock})`);
        try {
          // Bookkeeping lives outside the service's schema: drizzle creates its migrations schema before
          // applying anything, and drizzle-kit's first migration says `CREATE SCHEMA "<schema>"` (no IF NOT EXISTS).
          await migrate(db, {
            migrationsFolder: folder,
            migrationsSchema: "drizzle",
            migrationsTable: `${schema}_migrations`,
          });
        } finally {
          // Ending the session releases the lock too, so a failed unlock must not hide the migration's error.
          await db.execute(sql`select pg_advisory_unlock(${migrationLock})`).catch(() => {});
        }
      } finally {
        await client.end();
      }
    },
    async ping() {
      await primary.execute(sql`select 1`);
    },
    usage: () => ({
      pools: [
        poolUsage("primary", primaryPool, poolSize),
        ...(replicaPool ? [poolUsage("replica", replicaPool, poolSize)] : []),
      ],
    }),
    async close() {
      await polling;
      await Promise.all([primaryPool.end(), replicaPool?.end()]);
    },
  };
}

const poolUsage = (pool: string, { totalCount, idleCount, waitingCount }: Pool, max: number): PoolUsage => ({
  pool,
  open: totalCount,
  idle: idleCount,
  max,
  waiting: waitingCount,
});

function peerOf(url: string, role: SqlPeer["role"]): SqlPeer {
  const { hostname, port, pathname } = new URL(url);
  return {
    host: hostname,
    port: Number(port || 5432),
    database: decodeURIComponent(pathname.slice(1)),
    role,
  };
}

/**
 * The pool, with every statement in a span while tracing: those sent by the pool itself and those a
 * transaction sends on the connection it checked out (which is released as usual).
 */
function tracedPool(pool: Pool, peer: SqlPeer): Pool {
  return Object.assign(Object.create(pool) as Pool, {
    query: tracedQuery(pool.query.bind(pool) as (...args: never[]) => Promise<unknown>, peer),
    connect: async () => {
      const client = await pool.connect();
      return Object.assign(Object.create(client), {
        query: tracedQuery(client.query.bind(client) as (...args: never[]) => Promise<unknown>, peer),
      });
    },
  });
}

/** Errors that mean the server is gone or going, not that the query was wrong. */
const CONNECTION_LOST = new Set([
  "ECONNREFUSED",
  "ECONNRESET",
  "EPIPE",
  "57P01",
  "57P02",
  "57P03",
  "08000",
  "08001",
  "08003",
  "08004",
  "08006",
  "08P01",
]);
const connectionLost = (error: unknown) => {
  const { code, message } = (error ?? {}) as { code?: string; message?: string };
  return (
    (code !== undefined && CONNECTION_LOST.has(code)) ||
    /Connection terminated|server conn crashed|cannot connect/i.test(message ?? "")
  );
};

/**
 * The replica pool, except that a read which finds the replica gone (stopped, restarting, failing
 * over) is answered by the primary at once, and `lost` tells the adapter to stop choosing the replica
 * until its next successful poll. Reads through the replica are single statements, never transactions.
 */
function readsFallingBackTo(primary: Pool, replica: Pool, lost: () => void): Pool {
  const query = replica.query.bind(replica) as (...args: unknown[]) => Promise<unknown>;
  return Object.assign(Object.create(replica) as Pool, {
    query: async (...args: unknown[]) => {
      try {
        return await query(...args);
      } catch (error) {
        if (!connectionLost(error)) throw error;
        lost();
        return (primary.query as (...a: unknown[]) => Promise<unknown>)(...args);
      }
    },
  });
}
