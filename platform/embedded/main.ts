/** `bun start`: the whole shop in one process on embedded defaults. */
import { join } from "node:path";
import { mountStorefront, prepareStorefront } from "../../clients/web/serve.ts";
import { seedCatalog } from "../../services/product/seed/index.ts";
import { memoryBus } from "../bus/memory.ts";
import { memoryCache } from "../cache/memory.ts";
import { systemClock } from "../clock.ts";
import { loadConfigOrExit } from "../config.ts";
import { openPglite } from "../db/pglite.ts";
import { serve } from "../http/serve.ts";
import { createLogger } from "../log.ts";
import { createShop } from "./shop.ts";

const started = performance.now();
const elapsed = () => `${Math.round(performance.now() - started)} ms`;

const config = loadConfigOrExit();

const log = createLogger(config.LOG_LEVEL);
// Built (when missing or stale) while the database opens; served once the shop is up.
const storefront = prepareStorefront(console.log);
storefront.catch(() => {}); // awaited below, where a failed build stops the start
const dataDir = join(config.FASTR_DATA_DIR, "pgdata");
console.log(
  `fastr: opening the embedded database in ${dataDir} (PGlite; the first open takes a few seconds)…`,
);
const db = await openPglite(dataDir);
const cache = memoryCache({ maxEntries: 20_000 });
const bus = memoryBus({
  onPoison: (consumer, event, error) =>
    log.error("event gave up", { consumer, eventId: event.id, type: event.type, error: String(error) }),
});
const shop = await createShop(config, { db, cache, bus, clock: systemClock, log });

if (config.SEED_CATALOG) {
  const seeded = await seedCatalog(shop.services.product);
  if (seeded) {
    Bun.gc(true); // seeding leaves hundreds of MB of PGlite garbage; give it back before serving
    console.log(`fastr: seeded the demo catalog with ${seeded} products (${elapsed()})`);
  }
}

mountStorefront(shop.app, await storefront);

const { url } = serve(shop.host, {
  hostname: config.HOST,
  port: config.PORT,
  graceMs: config.SHUTDOWN_GRACE_MS,
  log,
  close: async () => {
    await shop.close();
    await cache.close();
    await db.close();
  },
});
console.log(`fastr: the shop is running at ${url} (ready in ${elapsed()}) — Ctrl+C stops it`);
