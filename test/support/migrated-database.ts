import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { openPglite } from "../../platform/db/pglite.ts";
import { modules } from "../../shapes/modules.ts";

const ROOT = resolve(import.meta.dir, "../..");
const CACHE = join(ROOT, "node_modules", ".cache", "fastr");

/**
 * What a migrated database is made of: PGlite's and drizzle's versions, the adapter that applies the
 * migrations, and every module's migration files in order. Any change makes another key.
 */
function migrationsKey() {
  const hash = createHash("sha256");
  for (const pkg of ["@electric-sql/pglite", "drizzle-orm"])
    hash.update(readFileSync(join(ROOT, "node_modules", pkg, "package.json")));
  hash.update(readFileSync(join(ROOT, "platform/db/pglite.ts")));
  for (const { name, migrations } of modules) {
    hash.update(`\0${name}\0${migrations.schema}`);
    for (const file of readdirSync(migrations.folder, { recursive: true, encoding: "utf8" }).sort()) {
      const path = join(migrations.folder, file);
      if (!existsSync(path) || !file.match(/\.(sql|json)$/)) continue;
      hash.update(`\0${file}\0`).update(readFileSync(path));
    }
  }
  return hash.digest("hex").slice(0, 16);
}

/** Initialises an in-memory PGlite, applies every module's migrations and dumps it. */
async function migrate() {
  const db = await openPglite();
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
  migrated ??= (async () => {
    const file = join(CACHE, `migrated-${migrationsKey()}.tar`);
    if (existsSync(file)) return new Blob([readFileSync(file)]);
    const dump = await migrate();
    // Written aside and renamed: a process reading it never sees half a file.
    mkdirSync(CACHE, { recursive: true });
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
    renameSync(partial, file);
    return dump;
  })();
  return migrated;
}
