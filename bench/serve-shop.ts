/**
 * The embedded shop for the bench, in its own process: in-memory PGlite, seeded demo catalog, silent logs.
 * `bun bench/serve-shop.ts <port>` prints `ready <port>` once it serves; SIGTERM shuts it down gracefully.
 */
import { serve } from "../platform/http/serve.ts";
import { silentLogger } from "../platform/log.ts";
import { seedCatalog } from "../services/product/seed/index.ts";
import { embeddedPorts } from "../shapes/embedded/ports.ts";
import { createShop, readShopConfig } from "../shapes/embedded/shop.ts";

const port = Number(process.argv[2] ?? 0);
const config = readShopConfig({ ...process.env, LOG_LEVEL: "silent" });
const embedded = await embeddedPorts({ log: silentLogger, cache: { maxEntries: 20_000 } });
// Every bench buyer signs up from 127.0.0.1: a load test is one address by design.
const shop = await createShop(config, embedded.ports, {
  signupLimits: { attempts: Number.MAX_SAFE_INTEGER, windowMs: 60_000 },
});
await seedCatalog(shop.services.product);
// The checkout scenario signs in as this staff account to stock its product.
if (process.env.BENCH_STAFF_EMAIL && process.env.BENCH_STAFF_PASSWORD) {
  await shop.services.auth.upsertStaff({
    email: process.env.BENCH_STAFF_EMAIL,
    password: process.env.BENCH_STAFF_PASSWORD,
  });
}
Bun.gc(true); // as `bun start` does after seeding

const { server } = serve(shop.host, {
  hostname: "127.0.0.1",
  port,
  graceMs: 2_000,
  log: silentLogger,
  close: async () => {
    await shop.close();
    await embedded.close();
  },
});
console.log(`ready ${server.port}`);
