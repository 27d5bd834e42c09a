/**
 * `bun run migrate`: applies every service's pending migrations to DATABASE_URL (the primary
 * itself, not PgBouncer: migrations hold a session lock). Idempotent and safe to run from several
 * processes at once; each service's schema is migrated under one advisory lock.
 */
import { z } from "zod";
import { postgresUrl, readConfigOrExit } from "../platform/config.ts";
import { openPostgres } from "../platform/db/pg.ts";
import { modules } from "../shapes/modules.ts";

const config = readConfigOrExit([z.object({ DATABASE_URL: postgresUrl() })]);
const db = await openPostgres({ url: config.DATABASE_URL, poolSize: 1 });
try {
  for (const module of modules) {
    await db.migrate(module.migrations);
    console.log(`fastr: ${module.name} is migrated`);
  }
} finally {
  await db.close();
}
