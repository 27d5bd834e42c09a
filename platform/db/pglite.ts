import { mkdir } from "node:fs/promises";
import { PGlite } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { type SqlPeer, tracedQuery, tracedTransaction } from "../telemetry/sql.ts";
import { keptDump, keyOf, projectFile } from "./kept-dumps.ts";
import { type PgliteSource, startPglite, withoutTextParsers } from "./pglite-client.ts";
import { type PreparedQuery, preparedStatements } from "./pglite-prepared.ts";
import type { Database, Sql } from "./port.ts";

let emptyClusterDump: Promise<Blob> | undefined;
/**
 * A freshly initialised cluster, dumped: loading it takes a tenth of the time `initdb` does (~0.3 s
 * against 3–5 s of CPU here), and a database loaded from it keeps less memory than one `initdb` made
 * (~215 MiB of WebAssembly memory instead of ~480: that memory never shrinks). Made once per PGlite
 * version and kept in node_modules/.cache/fastr, so a process that opens an in-memory database never
 * runs `initdb` (its most of a GiB of buffers made the bench shop's peak memory).
 * @example const db = await PGlite.create({ loadDataDir: await emptyCluster() });
 */
export function emptyCluster() {
  emptyClusterDump ??= keptDump(
    `empty-${keyOf(projectFile("node_modules/@electric-sql/pglite/package.json"))}.tar`,
    async () => {
      const pristine = await PGlite.create();
      const dump = await pristine.dumpDataDir("none");
      await pristine.close();
      // Its memory is freed only when collected: collect it before the next database grows its own.
      Bun.gc(true);
      return dump;
    },
  );
  return emptyClusterDump;
}

/**
 * PGlite runs one statement at a time: what waits is every query and transaction drizzle has started
 * and not finished. `counted` wraps a way in; `inFlight` reads the count.
 */
function inFlightCounter() {
  let inFlight = 0;
  const counted =
    <A extends unknown[], R>(run: (...args: A) => Promise<R>) =>
    async (...args: A) => {
      inFlight++;
      try {
        return await run(...args);
      } finally {
        inFlight--;
      }
    };
  return { counted, inFlight: () => inFlight };
}

/** A PGlite database: the port, and a copy of everything in it (`openPglite(undefined, { from })` opens one). */
export type PgliteDatabase = Database & { dump(): Promise<Blob> };

/** How a PGlite database is opened: where it starts from, and who watches its statements. */
export type PgliteOptions = Omit<PgliteSource, "dataDir"> & {
  /** Sees every statement drizzle sends, with its bound values (counting them, say). */
  onQuery?: (sql: string, params: readonly unknown[]) => void;
  /** Sees where each transaction begins and ends (replaying a request's SQL, say). */
  onTransaction?: (event: "begin" | "commit" | "rollback") => void;
};

/**
 * What drizzle's PGlite driver calls on a client: `query`, and `transaction`, whose callback gets a
 * handle to query inside it. A PGlite in this thread and one in a worker both give one.
 */
export type PgliteClient = {
  query: PreparedQuery;
  transaction<T>(callback: (tx: { query: PreparedQuery }) => Promise<T>): Promise<T>;
};

/**
 * Where an in-memory database starts: the dump given, or the kept empty cluster. A data directory
 * needs no dump: an empty one is initialised there.
 */
export async function startingPoint(dataDir: string | undefined, from: Blob | undefined) {
  if (dataDir) {
    await mkdir(dataDir, { recursive: true });
    return from;
  }
  return from ?? (await emptyCluster());
}

/**
 * Real Postgres compiled to WASM, in this process: the embedded shape's database.
 * The first open in a process compiles the WASM (3–5 s); later opens take a few hundred ms.
 * @example const db = await openPglite(".fastr/pgdata"); // or openPglite() for memory
 */
export async function openPglite(dataDir?: string, options: PgliteOptions = {}): Promise<PgliteDatabase> {
  const from = await startingPoint(dataDir, options.from);
  const client = await startPglite({
    ...(dataDir && { dataDir }),
    ...(from && { from }),
    ...(options.settings && { settings: options.settings }),
  });
  const statements = preparedStatements(client);
  return pgliteDatabase(
    {
      query: statements.query,
      transaction: (callback) =>
        client.transaction((tx) => callback({ query: statements.inTransaction(tx) })),
    },
    options,
    { dump: () => client.dumpDataDir("none") as Promise<Blob>, close: () => client.close() },
  );
}

/**
 * The db port over a PGlite client, wherever the PGlite runs: drizzle, statements in spans, drizzle's
 * per-query parsers left out, the hooks, one migration at a time.
 */
export function pgliteDatabase(
  client: PgliteClient,
  { onQuery, onTransaction }: Pick<PgliteOptions, "onQuery" | "onTransaction">,
  own: Pick<PgliteDatabase, "dump" | "close">,
): PgliteDatabase {
  const { counted, inFlight } = inFlightCounter();
  let transaction = counted(client.transaction) as PgliteClient["transaction"];
  if (onTransaction) {
    const inner = transaction;
    transaction = async (callback) => {
      onTransaction("begin");
      try {
        const result = await inner(callback);
        onTransaction("commit");
        return result;
      } catch (error) {
        onTransaction("rollback");
        throw error;
      }
    };
  }
  const peer: SqlPeer = { database: "postgres", role: "primary" };
  const traced = (query: PreparedQuery) =>
    tracedQuery(
      ((text, params, options) => query(text, params, withoutTextParsers(options))) as PreparedQuery,
      peer,
    );
  const drizzleClient: PgliteClient = {
    query: traced(counted(client.query)),
    transaction: (callback) => transaction((tx) => callback({ query: traced(tx.query) })),
  };
  const db = drizzle({
    client: drizzleClient as unknown as PGlite,
    ...(onQuery && { logger: { logQuery: (query: string, params: unknown[]) => onQuery(query, params) } }),
  }) as unknown as Sql;
  db.transaction = tracedTransaction(db.transaction.bind(db), peer);
  // One connection: migrations run one after another, or two would both see "nothing applied yet".
  let queue: Promise<void> = Promise.resolve();
  return {
    kind: "pglite",
    primary: db,
    replica: db,
    migrate({ schema, folder }) {
      const run = queue.then(() =>
        // Bookkeeping lives outside the service's schema: drizzle creates its migrations schema before
        // applying anything, and drizzle-kit's first migration says `CREATE SCHEMA "<schema>"`.
        migrate(db as never, {
          migrationsFolder: folder,
          migrationsSchema: "drizzle",
          migrationsTable: `${schema}_migrations`,
        }),
      );
      queue = run.catch(() => {});
      return run;
    },
    ping: async () => {
      await db.execute(sql`select 1`);
    },
    usage: () => ({ pools: [], inFlight: inFlight() }),
    ...own,
  };
}
