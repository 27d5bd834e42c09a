/**
 * `bun run staff:create -- --email E --password P [--name N]`: creates a staff account, or promotes an
 * existing one (its password is reset and its sessions end). Works on the configured database:
 * Postgres when DATABASE_URL is set, else the embedded data directory (stop the shop first: PGlite
 * allows one process at a time).
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { z } from "zod";
import { Email, Password, PersonName } from "../contracts/common.ts";
import { memoryCache } from "../platform/cache/memory.ts";
import { redisCache } from "../platform/cache/redis.ts";
import { systemClock } from "../platform/clock.ts";
import { loadConfigOrExit } from "../platform/config.ts";
import { openPostgres } from "../platform/db/pg.ts";
import { openPglite } from "../platform/db/pglite.ts";
import { silentLogger } from "../platform/log.ts";
import { authModule, createAuthService } from "../services/auth/index.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { email: { type: "string" }, password: { type: "string" }, name: { type: "string" } },
});
const input = z.object({ email: Email, password: Password, name: PersonName.optional() }).safeParse(values);
if (!input.success) {
  console.error(`usage: bun run staff:create -- --email <email> --password <password> [--name <name>]
${input.error.issues.map((i) => `  --${i.path.join(".")}: ${i.message}`).join("\n")}`);
  process.exit(2);
}

const config = loadConfigOrExit();
const db = config.DATABASE_URL
  ? await openPostgres({ url: config.DATABASE_URL })
  : await openPglite(join(config.FASTR_DATA_DIR, "pgdata"));
// With a shared Redis, promoting a signed-in user also drops their cached sessions in the running shop.
const cache = config.REDIS_URL ? redisCache(config.REDIS_URL) : memoryCache();
try {
  await db.migrate(authModule.migrations);
  const auth = createAuthService(
    { db, cache, clock: systemClock, log: silentLogger, eventsCommitted: () => {} },
    { sessionTtlDays: config.SESSION_TTL_DAYS, sessionMaxAgeDays: config.SESSION_MAX_AGE_DAYS },
  );
  const user = await auth.upsertStaff(input.data);
  console.log(`fastr: ${user.email} is staff (user id ${user.id})`);
} finally {
  await cache.close();
  await db.close();
}
