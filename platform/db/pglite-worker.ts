import type { QueryOptions, Results } from "@electric-sql/pglite";
import {
  type PgliteClient,
  type PgliteDatabase,
  type PgliteOptions,
  pgliteDatabase,
  startingPoint,
} from "./pglite.ts";
import type { PreparedQuery } from "./pglite-prepared.ts";
import type { PgliteCall } from "./pglite-thread.ts";
import { callWorker } from "./worker-calls.ts";

/**
 * What of a query's options crosses to the worker. drizzle's per-query parsers are gone by then
 * (`withoutTextParsers`: the worker's client parses those types as text); others are functions,
 * which cannot cross a thread.
 */
function sendableOptions(options: QueryOptions | undefined): QueryOptions | undefined {
  if (options?.parsers || options?.serializers)
    throw new Error("a query sent to the PGlite worker cannot carry its own parsers or serializers");
  return options;
}

/** The worker thread's default nice value (Linux): under the request thread (ADR 184). */
export const WORKER_NICE = 5;

/**
 * `openPglite`'s database, with PGlite in a Bun Worker of its own: each statement is a message, so
 * this thread serves requests while Postgres runs (ADR 182). The same port, hooks, spans and errors
 * (a Postgres error arrives with its code, constraint, table, column, severity and failed query); a
 * transaction stays open in the worker, and nothing else runs there until it ends. If the worker
 * dies, every call in flight and after fails, and `onCrash` is told (by default: an uncaught error,
 * which stops the process).
 * @example const db = await openPgliteWorker(".fastr/pgdata"); // or openPgliteWorker() for memory
 */
export async function openPgliteWorker(
  dataDir?: string,
  options: PgliteOptions & {
    onCrash?: (error: Error) => void;
    /**
     * The worker thread's nice value (Linux): 5 by default, so that the request thread wins a busy
     * core and reads keep flowing while statements run (ADR 184); 0 for the same priority.
     */
    nice?: number;
  } = {},
): Promise<PgliteDatabase> {
  const from = await startingPoint(dataDir, options.from);
  const thread = callWorker<PgliteCall>(new URL("./pglite-thread.ts", import.meta.url), options.onCrash);
  // Closing PGlite writes what it holds to its data directory; then the worker ends.
  const close = () => thread.close({ op: "close" });
  try {
    await thread.call({
      op: "open",
      nice: options.nice ?? WORKER_NICE,
      source: {
        ...(dataDir && { dataDir }),
        ...(from && { from }),
        ...(options.settings && { settings: options.settings }),
      },
    });
  } catch (error) {
    await close().catch(() => {}); // not open: nothing to close but the worker
    throw error;
  }
  const query =
    (tx?: number): PreparedQuery =>
    (text, params = [], queryOptions) =>
      thread.call<Results>({
        op: "query",
        text,
        params,
        ...(queryOptions && { options: sendableOptions(queryOptions) }),
        ...(tx !== undefined && { tx }),
      });
  const client: PgliteClient = {
    query: query(),
    async transaction(callback) {
      const tx = await thread.call<number>({ op: "begin" });
      let result: Awaited<ReturnType<typeof callback>>;
      try {
        result = await callback({ query: query(tx) });
      } catch (error) {
        await thread.call({ op: "end", tx, commit: false });
        throw error;
      }
      await thread.call({ op: "end", tx, commit: true });
      return result;
    },
  };
  return pgliteDatabase(client, options, {
    dump: () => thread.call<Blob>({ op: "dump" }),
    close,
  });
}
