import { memoryBus } from "../../platform/bus/memory.ts";
import { memoryCache } from "../../platform/cache/memory.ts";
import { type Clock, systemClock } from "../../platform/clock.ts";
import { openPglite } from "../../platform/db/pglite.ts";
import { openPgliteWorker } from "../../platform/db/pglite-worker.ts";
import type { Database } from "../../platform/db/port.ts";
import { memoryLimits } from "../../platform/limits/memory.ts";
import type { Logger } from "../../platform/log.ts";
import type { ComposePorts } from "../compose.ts";

/**
 * The embedded shape's ports, all in this process: PGlite (in `dataDir`, in memory without one, or a
 * database already open; in a worker thread of its own with `worker`), an in-memory cache, limits
 * store and event bus. `bun start`, the bench's shop and the HTTP tests' shop all boot from here;
 * `close()` closes what the shop stood on, after the shop.
 * @example const embedded = await embeddedPorts({ dataDir, log }); const shop = await createShop(config, embedded.ports);
 *          … await shop.close(); await embedded.close();
 */
export async function embeddedPorts(options: {
  log: Logger;
  dataDir?: string;
  /** A database already open (a test's "restart"); closed by `close()` too. */
  db?: Database;
  /** Open PGlite in a Worker thread of its own, off the request thread (`PGLITE_WORKER`, ADR 182). */
  worker?: boolean;
  /** Sees every statement drizzle sends, with its bound values (counting them, say). */
  onQuery?: (sql: string, params: readonly unknown[]) => void;
  /** Sees where each transaction begins and ends (replaying a request's SQL, say). */
  onTransaction?: (event: "begin" | "commit" | "rollback") => void;
  clock?: Clock;
  cache?: { maxEntries?: number; maxChars?: number };
  bus?: Parameters<typeof memoryBus>[0];
}): Promise<{ ports: ComposePorts; close(): Promise<void> }> {
  const clock = options.clock ?? systemClock;
  const db =
    options.db ??
    (await (options.worker ? openPgliteWorker : openPglite)(options.dataDir, {
      ...(options.onQuery && { onQuery: options.onQuery }),
      ...(options.onTransaction && { onTransaction: options.onTransaction }),
    }));
  const cache = memoryCache({ ...options.cache, clock });
  const limits = memoryLimits({ clock });
  const bus = memoryBus(options.bus);
  return {
    ports: { db, cache, limits, bus, clock, log: options.log },
    async close() {
      await cache.close();
      await limits.close();
      await db.close();
    },
  };
}
