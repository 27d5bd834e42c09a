/**
 * `bun run staff:create -- --email E --password P [--name N]`: creates a staff account, or promotes an
 * existing one (its password is reset and its sessions end). Works on the configured database:
 * Postgres when DATABASE_URL is set, else the embedded data directory — through the running shop when
 * `bun start` holds it (PGlite allows one process at a time), else by opening it here.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { User } from "../contracts/auth.ts";
import { memoryCache } from "../platform/cache/memory.ts";
import { redisCache } from "../platform/cache/redis.ts";
import { systemClock } from "../platform/clock.ts";
import { readConfigOrExit, storeSettings } from "../platform/config.ts";
import { openPostgres } from "../platform/db/pg.ts";
import { openPglite } from "../platform/db/pglite.ts";
import type { Database } from "../platform/db/port.ts";
import { memoryLimits } from "../platform/limits/memory.ts";
import { silentLogger } from "../platform/log.ts";
import { unscrapedMetrics } from "../platform/metrics/registry.ts";
import { authOptionsFrom, createAuthService } from "../services/auth/index.ts";
import { authConfig, authModule } from "../services/auth/module.ts";
import { findRunningShop, StaffAccountInput, staffCreateInRunningShop } from "../shapes/embedded/admin.ts";
import { acquireDataDirLock, DataDirLocked, tookOverMessage } from "../shapes/embedded/data-dir-lock.ts";
import { embeddedSettings } from "../shapes/embedded/shop.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { email: { type: "string" }, password: { type: "string" }, name: { type: "string" } },
});
const input = StaffAccountInput.safeParse(values);
if (!input.success) {
  console.error(`usage: bun run staff:create -- --email <email> --password <password> [--name <name>]
${input.error.issues.map((i) => `  --${i.path.join(".")}: ${i.message}`).join("\n")}`);
  process.exit(2);
}
const staff: StaffAccountInput = input.data;

const config = readConfigOrExit([storeSettings, embeddedSettings, authConfig]);
type Config = typeof config;
if (config.DATABASE_URL) {
  report(await upsertStaff(config, await openPostgres({ url: config.DATABASE_URL })));
} else {
  await inDataDirectory(config);
}

/** Opens the data directory when nobody holds it; asks the shop that holds it otherwise. */
async function inDataDirectory(config: Config) {
  const dir = config.FASTR_DATA_DIR;
  const lock = lockOrRefusal(dir);
  if (!(lock instanceof DataDirLocked)) {
    if (lock.tookOverFrom) console.log(tookOverMessage(lock.tookOverFrom));
    try {
      report(await upsertStaff(config, await openPglite(join(dir, "pgdata"))));
    } finally {
      lock.release();
    }
    return;
  }
  const holder = lock.holder;
  const isShop = holder?.command === "bun start";
  const shop = isShop
    ? await findRunningShop(dir, holder, {
        onWaiting: () => console.log(`fastr: waiting for the shop (pid ${holder.pid}) to finish starting…`),
      })
    : null;
  if (!holder || !shop) {
    const advice = !holder
      ? ""
      : isShop
        ? `The shop did not answer; stop it (Ctrl+C in its terminal, or kill ${holder.pid}) and run this again.`
        : `Wait for it to finish, or stop it (kill ${holder.pid}), and run this again.`;
    console.error(`fastr: ${lock.message}.\n${advice}`);
    process.exit(1);
  }
  try {
    report(await staffCreateInRunningShop(shop, staff), `by the running shop, pid ${holder.pid}`);
  } catch (failure) {
    console.error(`fastr: ${(failure as Error).message}`);
    process.exit(1);
  }
}

function lockOrRefusal(dir: string) {
  try {
    return acquireDataDirLock(dir, "bun run staff:create");
  } catch (error) {
    if (error instanceof DataDirLocked) return error;
    throw error;
  }
}

async function upsertStaff(config: Config, db: Database) {
  // With a shared Redis, promoting a signed-in user also drops their cached sessions in the running shop.
  const cache = config.REDIS_URL ? redisCache(config.REDIS_URL) : memoryCache();
  try {
    await db.migrate(authModule.migrations);
    const auth = createAuthService(
      // Promoting an account throttles nothing: an in-process limits store is enough here.
      {
        db,
        cache,
        limits: memoryLimits(),
        clock: systemClock,
        log: silentLogger,
        metrics: unscrapedMetrics("auth"),
        eventsCommitted: () => {},
        // A shop may be running on this database meanwhile.
        sole: false,
      },
      authOptionsFrom(config),
    );
    return await auth.api.upsertStaff(staff);
  } finally {
    await cache.close();
    await db.close();
  }
}

function report(user: User, how?: string) {
  console.log(`fastr: ${user.email} is staff (user id ${user.id})${how ? ` — ${how}` : ""}`);
}
