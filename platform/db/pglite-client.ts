import { PGlite, type QueryOptions, types } from "@electric-sql/pglite";

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
 * itself (`startPglite`), so a query whose parsers ask for nothing more goes without them.
 * @example client.query(text, params, withoutTextParsers(options));
 */
export function withoutTextParsers(options: QueryOptions | undefined): QueryOptions | undefined {
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

/** Where a PGlite starts from: a data directory, a dump of another database, Postgres settings. */
export type PgliteSource = {
  /** Kept on disk here; in memory without one. */
  dataDir?: string;
  /** A `dumpDataDir()` to start from (in memory: required; with `dataDir`: a new one starts as it). */
  from?: Blob;
  /** Postgres settings for this server, e.g. `{ shared_buffers: "8MB" }` for a small test database. */
  settings?: Record<string, string>;
};

/**
 * A PGlite as the db adapters drive it: drizzle's text types parsed as text, the settings given on
 * the command line, garbage from its start collected. The caller makes `dataDir` and finds `from`.
 * @example const client = await startPglite({ from: await emptyCluster() });
 */
export async function startPglite({ dataDir, from, settings = {} }: PgliteSource): Promise<PGlite> {
  // On the command line, after PGlite's own: its `postgresqlconf` option would replace the whole file.
  const extra = Object.entries(settings).flatMap(([name, value]) => ["-c", `${name}=${value}`]);
  const startParams = extra.length > 0 ? { startParams: [...PGlite.defaultStartParams, ...extra] } : {};
  const client = await PGlite.create({
    ...(dataDir && { dataDir }),
    ...(from && { loadDataDir: from }),
    parsers: textParsers,
    ...startParams,
  });
  // Starting leaves most of a GiB of buffers behind, freed only when collected: collect them now,
  // before migrations and seeding allocate on top of them (the process's peak memory).
  Bun.gc(true);
  return client;
}
