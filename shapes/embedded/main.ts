/** `bun start`: the whole shop in one process on embedded defaults. */
import { join } from "node:path";
import { mountStorefront, prepareStorefront } from "../../clients/web/serve.ts";
import { assertCanListenOrExit, serveOrExit } from "../../platform/http/serve.ts";
import { createLogger } from "../../platform/log.ts";
import { seedCatalog } from "../../services/product/seed/index.ts";
import { startAdminEndpoint } from "./admin.ts";
import { acquireDataDirLock, DataDirLocked, tookOverMessage } from "./data-dir-lock.ts";
import { embeddedPorts } from "./ports.ts";
import { createShop, readShopConfigOrExit } from "./shop.ts";

const started = performance.now();
const elapsed = () => `${Math.round(performance.now() - started)} ms`;

const config = readShopConfigOrExit();
assertCanListenOrExit(config.HOST, config.PORT); // a taken port fails now, not after opening the database

const log = createLogger(config.LOG_LEVEL);
// Built (when missing or stale) while the database opens; served once the shop is up.
const storefront = prepareStorefront(console.log);
storefront.catch(() => {}); // awaited below, where a failed build stops the start
const lock = lockOrExit(config.FASTR_DATA_DIR);
process.on("exit", lock.release); // however this process ends, short of SIGKILL (then the next one takes over)
if (lock.tookOverFrom) console.log(tookOverMessage(lock.tookOverFrom));
const dataDir = join(config.FASTR_DATA_DIR, "pgdata");
console.log(
  `fastr: opening the embedded database in ${dataDir} (PGlite${config.PGLITE_WORKER ? ", in a worker thread" : ""}; the first open takes a few seconds)…`,
);
const embedded = await embeddedPorts({
  dataDir,
  worker: config.PGLITE_WORKER,
  log,
  cache: { maxEntries: 20_000 },
  bus: {
    onPoison: (consumer, event, error) =>
      log.error("event gave up", { consumer, eventId: event.id, type: event.type, error }),
  },
});
const shop = await createShop(config, embedded.ports);
// `bun run staff:create` while this shop runs asks it here instead of opening the database a second time.
const admin = startAdminEndpoint(config.FASTR_DATA_DIR, {
  staffCreate: (input) => shop.services.auth.upsertStaff(input),
});

if (config.SEED_CATALOG) {
  const seeded = await seedCatalog(shop.services.product);
  if (seeded) {
    Bun.gc(true); // seeding leaves hundreds of MB of PGlite garbage; give it back before serving
    console.log(`fastr: seeded the demo catalog with ${seeded} products (${elapsed()})`);
  }
}

mountStorefront(shop.app, await storefront);

const { url } = await serveOrExit(shop.host, {
  hostname: config.HOST,
  port: config.PORT,
  graceMs: config.SHUTDOWN_GRACE_MS,
  log,
  close: async () => {
    await admin.stop();
    await shop.close();
    await embedded.close();
    lock.release();
  },
});
if (shop.tracing.enabled) console.log(`fastr: sending traces to ${shop.tracing.url}`);
console.log(`fastr: the shop is running at ${url} (ready in ${elapsed()}) — Ctrl+C stops it`);

/** The data directory is this process's alone, or it says who has it and stops before touching anything. */
function lockOrExit(dir: string) {
  try {
    return acquireDataDirLock(dir, "bun start");
  } catch (error) {
    if (!(error instanceof DataDirLocked)) throw error;
    const advice = error.holder
      ? `Only one process may open it at a time. Stop that one first (Ctrl+C in its terminal, or kill ${error.holder.pid}),
or start this shop on another data directory: FASTR_DATA_DIR=<dir> bun start`
      : "";
    console.error(`fastr cannot start: ${error.message}.\n${advice}`);
    process.exit(1);
  }
}
