import { createHash } from "node:crypto";
import { existsSync, mkdirSync, readFileSync, renameSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "../..");
/** Where dumps made once are kept for the next process, as build tools keep their caches. */
const KEPT = join(ROOT, "node_modules", ".cache", "fastr");

/** A short hash of files under the project (package manifests, migrations): part of a kept dump's name. */
export function keyOf(...parts: (string | Uint8Array)[]) {
  const hash = createHash("sha256");
  for (const part of parts) hash.update(part).update("\0");
  return hash.digest("hex").slice(0, 16);
}

/** A file of the project, read for a key. */
export const projectFile = (path: string) => readFileSync(join(ROOT, path));

/**
 * The dump kept under `name`, or `make`'s, kept for the next process (written aside and renamed, so a
 * reader never sees half a file). Where nothing can be written (a read-only install), the dump is
 * simply made each time.
 * @example const empty = await keptDump(`empty-${keyOf(projectFile("node_modules/@electric-sql/pglite/package.json"))}.tar`, initdb);
 */
export async function keptDump(name: string, make: () => Promise<Blob>): Promise<Blob> {
  const file = join(KEPT, name);
  if (existsSync(file)) return new Blob([readFileSync(file)]);
  const dump = await make();
  try {
    mkdirSync(KEPT, { recursive: true });
    const partial = `${file}.${process.pid}`;
    writeFileSync(partial, new Uint8Array(await dump.arrayBuffer()));
    renameSync(partial, file);
  } catch {
    // Not kept: the next process makes its own.
  }
  return dump;
}
