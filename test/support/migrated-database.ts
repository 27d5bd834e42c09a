import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { keptDump, keyOf, projectFile } from "../../platform/db/kept-dumps.ts";
import { emptyCluster, openPglite } from "../../platform/db/pglite.ts";
import { modules } from "../../shapes/modules.ts";

/**
 * What a migrated database is made of: PGlite's and drizzle's versions, the adapter that applies the
 * migrations, and every module's migration files in order. Any change makes another key.
 */
function migrationsKey() {
  const parts: (string | Uint8Array)[] = [];
  for (const pkg of ["@electric-sql/pglite", "drizzle-orm"])
    parts.push(projectFile(`node_modules/${pkg}/package.json`));
  parts.push(projectFile("platform/db/pglite.ts"));
  for (const { name, migrations } of modules) {
    parts.push(name, migrations.schema);
    for (const file of readdirSync(migrations.folder, { recursive: true, encoding: "utf8" }).sort()) {
      const path = join(migrations.folder, file);
      if (!existsSync(path) || !file.match(/\.(sql|json)$/)) continue;
      parts.push(file, readFileSync(path));
    }
  }
  return keyOf(...parts);
}

/**
 * An empty database as PGlite's initdb makes it, dumped (kept in node_modules/.cache/fastr, see
 * `emptyCluster`): what `openPglite()` starts an in-memory database from.
 * @example const db = await openPglite(undefined, { from: await emptyDatabase() });
 */
export const emptyDatabase = emptyCluster;

/** An in-memory PGlite from the empty database, every module's migrations applied, dumped. */
async function migrate() {
  const db = await openPglite(undefined, { from: await emptyCluster() });
  for (const module of modules) await db.migrate(module.migrations);
  const dump = await db.dump();
  await db.close();
  return dump;
}

let migrated: Promise<Blob> | undefined;
/**
 * An in-memory PGlite with every service's migrations applied, as a dump each fresh test shop starts
 * from (its start-up then finds the migrations applied): ~0.4 s of CPU less per shop. Made once per
 * set of migrations and kept in node_modules/.cache/fastr, so a test process only reads it (~5 s of CPU
 * less per process: PGlite's initdb, the migrations, the dump). migrations.test.ts still migrates from
 * nothing.
 * @example const db = await openPglite(undefined, { from: await migratedDatabase() });
 */
export function migratedDatabase() {
  migrated ??= keptDump(`migrated-${migrationsKey()}.tar`, migrate);
  return migrated;
}
