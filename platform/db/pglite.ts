import { mkdir } from "node:fs/promises";
import { PGlite, type QueryOptions, type Transaction, types } from "@electric-sql/pglite";
import { sql } from "drizzle-orm";
import { drizzle } from "drizzle-orm/pglite";
import { migrate } from "drizzle-orm/pglite/migrator";
import { type SqlPeer, tracedQuery, tracedTransaction } from "../telemetry/sql.ts";
import { keptDump, keyOf, projectFile } from "./kept-dumps.ts";
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

/**
 * The types drizzle reads as the text Postgres sends (it maps dates and intervals itself): timestamp,
 * timestamptz, interval, date and the arrays of those and of numeric.
 */
const DRIZZLE_TEXT_TYPES = [
  types.TIMESTAMP,
  types.TIMESTAMPTZ,
  types.INTERVAL,
  types.DATE,
  1231,
  1115,
  1185,
  1187,
  1182,
];
const asText = (value: string) => value;
const textParsers = Object.fromEntries(DRIZZLE_TEXT_TYPES.map((type) => [type, asText]));

/** What `withoutTextParsers` answered for each options object drizzle passed. */
const stripped = new WeakMap<QueryOptions, QueryOptions>();

/**
 * drizzle asks PGlite for text with per-query `parsers`, which PGlite merges into a copy of its whole
 * parser table on every query (a tenth of a cart read's CPU). The client parses those types as text
 * itself (`textParsers`), so a query whose parsers ask for nothing more goes without them.
 */
function withoutTextParsers(options: QueryOptions | undefined): QueryOptions | undefined {
  const parsers = options?.parsers;
  if (!parsers) return options;
  // A statement built once (ADR 178) passes the same options every run: look at them once.
  const known = stripped.get(options);
  if (known) return known;
  let without: QueryOptions = options;
  if (Object.keys(parsers).every((type) => type in textParsers)) {
    const { parsers: _, ...rest } = options;
    without = rest;
  }
  stripped.set(options, without);
  return without;
}

/** A PGlite database: the port, and a copy of everything in it (`openPglite(undefined, { from })` opens one). */
export type PgliteDatabase = Database & { dump(): Promise<Blob> };

/**
 * Real Postgres compiled to WASM, in this process: the embedded shape's database.
 * The first open in a process compiles the WASM (3–5 s); later opens take a few hundred ms.
 * @example const db = await openPglite(".fastr/pgdata"); // or openPglite() for memory
 */
export async function openPglite(
  dataDir?: string,
  options: {
    /** Sees every statement drizzle sends, with its bound values (counting them, say). */
    onQuery?: (sql: string, params: readonly unknown[]) => void;
    /** Sees where each transaction begins and ends (replaying a request's SQL, say). */
    onTransaction?: (event: "begin" | "commit" | "rollback") => void;
    /** Start as a copy of this `dump()` of another database instead of empty (with `dataDir`: a new one). */
    from?: Blob;
    /** Postgres settings for this server, e.g. `{ shared_buffers: "8MB" }` for a small test database. */
    settings?: Record<string, string>;
  } = {},
): Promise<PgliteDatabase> {
  if (dataDir) await mkdir(dataDir, { recursive: true });
  // On the command line, after PGlite's own: its `postgresqlconf` option would replace the whole file.
  const settings = Object.entries(options.settings ?? {}).flatMap(([name, value]) => [
    "-c",
    `${name}=${value}`,
  ]);
  const startParams = settings.length > 0 ? { startParams: [...PGlite.defaultStartParams, ...settings] } : {};
  const source = dataDir
    ? { dataDir, ...(options.from && { loadDataDir: options.from }) }
    : { loadDataDir: options.from ?? (await emptyCluster()) };
  const client = await PGlite.create({ ...source, parsers: textParsers, ...startParams });
  // Starting leaves most of a GiB of buffers behind, freed only when collected: collect them now,
  // before migrations and seeding allocate on top of them (the process's peak memory).
  Bun.gc(true);
  const { counted, inFlight } = inFlightCounter();
  client.exec = counted(client.exec.bind(client)) as PGlite["exec"];
  client.transaction = counted(client.transaction.bind(client)) as PGlite["transaction"];
  const onQuery = options.onQuery;
  const onTransaction = options.onTransaction;
  if (onTransaction) {
    const transaction = client.transaction.bind(client);
    client.transaction = async (fn) => {
      onTransaction("begin");
      try {
        const result = await transaction(fn);
        onTransaction("commit");
        return result;
      } catch (error) {
        onTransaction("rollback");
        throw error;
      }
    };
  }
  const peer: SqlPeer = { database: "postgres", role: "primary" };
  const db = drizzle({
    client: tracedClient(client, peer, counted),
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
    dump: () => client.dumpDataDir("none") as Promise<Blob>,
    close: () => client.close(),
  };
}

type Query = (...args: never[]) => Promise<unknown>;

/**
 * The client, with every statement in a span while tracing (alone, or inside a transaction), and
 * without drizzle's per-query parsers.
 */
function tracedClient(
  client: PGlite,
  peer: SqlPeer,
  counted: (query: PreparedQuery) => PreparedQuery,
): PGlite {
  const statements = preparedStatements(client);
  const withTracedQuery = <T extends { query: PGlite["query"] }>(target: T, query: PreparedQuery): T =>
    Object.assign(Object.create(target) as T, {
      query: tracedQuery(
        ((text: string, params?: unknown[], options?: QueryOptions) =>
          query(text, params, withoutTextParsers(options))) as Query,
        peer,
      ),
    });
  return Object.assign(withTracedQuery(client, counted(statements.query)), {
    transaction: <T>(callback: (tx: Transaction) => Promise<T>) =>
      client.transaction((tx) => callback(withTracedQuery(tx, statements.inTransaction(tx)))),
  });
}
