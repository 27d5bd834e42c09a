/**
 * The ceilings the shop is measured against, each run in its own process:
 *   bun bench/baselines.ts bun|hono <port>                 GET / answers a small JSON body
 *   bun bench/baselines.ts hono-file <port> <file>         GET / answers the file's bytes as JSON, through Hono
 *   bun bench/baselines.ts hono-file-headers <port> <file> the same with the headers the shop's host sends with a stored answer
 *   bun bench/baselines.ts pglite <port>                   GET / reads one row through PGlite (a kept statement, as the shop reads,
 *                                                          in a worker thread when the shop's is: PGLITE_WORKER), behind Hono
 *   bun bench/baselines.ts pg|pg-unnamed|bunsql|bunsql-unprepared <port> <postgres url>
 *                                                          the same read through `pg` (a named statement kept
 *                                                          prepared, as the services' built statements are, or
 *                                                          unnamed, as through PgBouncer) or Bun.SQL
 * Each prints `ready <port>` once it serves. The row lives in `bench_one_row`, made here if missing.
 */
import { PGlite } from "@electric-sql/pglite";
import { SQL } from "bun";
import { Hono } from "hono";
import { Pool } from "pg";
import { readConfig } from "../platform/config.ts";
import { startingPoint } from "../platform/db/pglite.ts";
import { preparedStatements } from "../platform/db/pglite-prepared.ts";
import type { PgliteCall } from "../platform/db/pglite-thread.ts";
import { WORKER_NICE } from "../platform/db/pglite-worker.ts";
import { callWorker } from "../platform/db/worker-calls.ts";
import { hostHeaders } from "../platform/http/host-headers.ts";
import { embeddedSettings } from "../shapes/embedded/shop.ts";

export const baselineBody = { ok: true, service: "bench", items: [1, 2, 3] };

const CREATE = `create table if not exists bench_one_row (id int primary key, name text not null);
  insert into bench_one_row values (1, 'one row') on conflict do nothing`;
const READ = "select id, name from bench_one_row where id = $1";
/** Connections per pool: the db adapter's default. */
const POOL = 10;

type ReadOne = () => Promise<unknown>;

async function oneRowReader(kind: string, url: string | undefined): Promise<ReadOne> {
  if (kind === "pglite" && readConfig([embeddedSettings]).PGLITE_WORKER) {
    // In a worker thread, as the shop runs PGlite by default (ADR 182): the same kept statement, one call each.
    const thread = callWorker<PgliteCall>(new URL("../platform/db/pglite-thread.ts", import.meta.url));
    await thread.call({
      op: "open",
      nice: WORKER_NICE,
      source: { from: await startingPoint(undefined, undefined) },
    });
    for (const text of CREATE.split(";")) await thread.call({ op: "query", text, params: [] });
    return async () =>
      (await thread.call<{ rows: unknown[] }>({ op: "query", text: READ, params: [1] })).rows[0];
  }
  if (kind === "pglite") {
    // Through the statements the shop keeps prepared: the driver as the shop drives it.
    const db = await PGlite.create();
    await db.exec(CREATE);
    const { query } = preparedStatements(db);
    return async () => (await query(READ, [1])).rows[0];
  }
  if (!url) throw new Error(`${kind} needs a postgres:// URL`);
  if (kind === "pg" || kind === "pg-unnamed") {
    const pool = new Pool({ connectionString: url, max: POOL });
    await pool.query(CREATE);
    const name = kind === "pg" ? "bench_one_row" : undefined;
    return async () => (await pool.query({ name, text: READ, values: [1] })).rows[0];
  }
  if (kind === "bunsql" || kind === "bunsql-unprepared") {
    // Through PgBouncer in transaction mode, named prepared statements must be off.
    const sql = new SQL({ url, max: POOL, prepare: kind === "bunsql" });
    await sql.unsafe(CREATE);
    return async () => (await sql`select id, name from bench_one_row where id = ${1}`)[0];
  }
  throw new Error(
    `unknown baseline "${kind}" (expected bun, hono, pglite, pg, pg-unnamed, bunsql or bunsql-unprepared)`,
  );
}

async function fetchHandler(
  kind: string,
  url?: string,
): Promise<(request: Request) => Response | Promise<Response>> {
  if (kind === "bun") return () => Response.json(baselineBody);
  if (kind === "hono") return new Hono().get("/", (c) => c.json(baselineBody)).fetch;
  if (kind === "hono-file" || kind === "hono-file-headers") {
    if (!url) throw new Error(`${kind} needs the file whose bytes it answers`);
    const bytes = await Bun.file(url).bytes();
    // A stored catalog answer's headers as the host sends them: security headers, its cache and
    // vary headers, a request id.
    const headers =
      kind === "hono-file"
        ? { "content-type": "application/json" }
        : Object.fromEntries([
            ...hostHeaders({
              "content-type": "application/json",
              "x-cache": "hit",
              vary: "trpc-accept, accept",
            }),
            ["x-request-id", "0190a0b0-0000-7000-8000-000000000001"],
          ]);
    return new Hono().get("/", (c) => c.body(bytes, 200, headers)).fetch;
  }
  const read = await oneRowReader(kind, url);
  return new Hono().get("/", async (c) => c.json(await read())).fetch;
}

if (import.meta.main) {
  // The third argument: a postgres:// URL, or hono-file's file.
  const [kind = "", port = "0", url] = process.argv.slice(2);
  const fetch = await fetchHandler(kind, url);
  Bun.gc(true); // PGlite's start leaves garbage; the shop collects its own after seeding too
  const server = Bun.serve({ hostname: "127.0.0.1", port: Number(port), fetch });
  process.on("SIGTERM", () => process.exit(0));
  console.log(`ready ${server.port}`);
}
