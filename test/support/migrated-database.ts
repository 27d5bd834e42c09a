import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { PGlite } from "@electric-sql/pglite";
import { openPglite } from "../../platform/db/pglite.ts";
import { modules } from "../../shapes/modules.ts";

const ROOT = resolve(import.meta.dir, "../..");
const CACHE = join(ROOT, "node_modules", ".cache", "fastr");

/** What PGlite's initdb makes: PGlite's version. */
const emptyKey = () =>
  createHash("sha256")
    .update(readFileSync(join(ROOT, "node_modules", "@electric-sql/pglite", "package.json")))
    .digest("hex")
    .slice(0, 16);

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

/**
 * The dump in node_modules/.cache/fastr/`name`, or `make`'s, written there for the next process (aside
 * and renamed, so a reader never sees half a file).
 */
async function keptDump(name: string, make: () => Promise<Blob>) {
  const file = join(CACHE, name);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const dump = await make();
  mkdirSync(CACHE, { recursive: true });
  const partial = `${file}.${process.pid}`;
  writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
  renameSync(partial, file);
  return dump;
}

let empty: Promise<Blob> | undefined;
/**
 * An empty database as PGlite's initdb makes it, dumped: what `openPglite()` starts an in-memory
 * database from, made once per PGlite version and kept in node_modules/.cache/fastr rather than once
 * per test process (initdb in WebAssembly: ~3–5 s of CPU on the build machine; reading the dump ~0.3).
 * @example const db = await openPglite(undefined, { from: await emptyDatabase() });
 */
export function emptyDatabase() {
  empty ??= keptDump(`empty-${emptyKey()}.tar`, async () => {
    const pristine = await PGlite.create();
    const dump = await pristine.dumpDataDir("none");
    await pristine.close();
    return dump;
  });
  return empty;
}

/** An in-memory PGlite from the empty database, every module's migrations applied, dumped. */
async function migrate() {
  const db = await openPglite(undefined, { from: await emptyDatabase() });
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
