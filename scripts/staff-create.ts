/**
 * `bun run staff:create -- --email E --password P [--name N]`: creates a staff account, or promotes an
 * existing one (its password is reset and its sessions end). Works on the configured database:
 * Postgres when DATABASE_URL is set, else the embedded data directory (stop the shop first: PGlite
 * allows one process at a time).
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { Email, Password } from "../contracts/common.ts";
import { memoryCache } from "../platform/cache/memory.ts";
import { redisCache } from "../platform/cache/redis.ts";
import { systemClock } from "../platform/clock.ts";
import { readConfigOrExit, storeSettings } from "../platform/config.ts";
import { openPostgres } from "../platform/db/pg.ts";
import { openPglite } from "../platform/db/pglite.ts";
import { memoryLimits } from "../platform/limits/memory.ts";
import { silentLogger } from "../platform/log.ts";
import { authOptionsFrom, createAuthService } from "../services/auth/index.ts";
import { authConfig, authModule } from "../services/auth/module.ts";
import { embeddedSettings } from "../shapes/embedded/shop.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { email: { type: "string" }, password: { type: "string" }, name: { type: "string" } },
});
const input = z
  .object({ email: Email, password: Password, name: z.string().min(1).max(120).optional() })
  .safeParse(values);
if (!input.success) {
  console.error(`usage: bun run staff:create -- --email <email> --password <password> [--name <name>]
${input.error.issues.map((i) => `  --${i.path.join(".")}: ${i.message}`).join("\n")}`);
  process.exit(2);
}

const config = readConfigOrExit([storeSettings, embeddedSettings, authConfig]);
const db = config.DATABASE_URL
  ? await openPostgres({ url: config.DATABASE_URL })
  : await openPglite(join(config.FASTR_DATA_DIR, "pgdata"));
// With a shared Redis, promoting a signed-in user also drops their cached sessions in the running shop.
const cache = config.REDIS_URL ? redisCache(config.REDIS_URL) : memoryCache();
try {
  await db.migrate(authModule.migrations);
  const auth = createAuthService(
    // Promoting an account throttles nothing: an in-process limits store is enough here.
    { db, cache, limits: memoryLimits(), clock: systemClock, log: silentLogger, eventsCommitted: () => {} },
    authOptionsFrom(config),
  );
  const user = await auth.upsertStaff(input.data);
  console.log(`fastr: ${user.email} is staff (user id ${user.id})`);
} finally {
  await cache.close();
  await db.close();
}
