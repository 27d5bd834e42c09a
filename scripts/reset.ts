/** `bun run reset`: wipes the embedded data directory (the next `bun start` seeds a fresh shop). */
import { existsSync, readdirSync } from "node:fs";
import { rm, rmdir } from "node:fs/promises";
import { homedir } from "node:os";
import { join, relative, resolve } from "node:path";
import { readConfigOrExit } from "../platform/config.ts";
import {
  acquireDataDirLock,
  type DataDirLock,
  DataDirLocked,
  LOCK_FILE,
} from "../shapes/embedded/data-dir-lock.ts";
import { embeddedSettings } from "../shapes/embedded/shop.ts";

const dir = resolve(readConfigOrExit([embeddedSettings]).FASTR_DATA_DIR);
const here = resolve(".");
const containsHere = !relative(dir, here).startsWith("..");
// Only ever a data directory: never this project, a folder above it, home or root, nor a folder with other things in it.
if (containsHere || dir === resolve("/") || dir === homedir()) {
  console.error(
    `fastr: refusing to wipe ${dir}: FASTR_DATA_DIR must point at a data directory, not ${containsHere ? "this project or a folder above it" : "that folder"}`,
  );
  process.exit(2);
}
const looksLikeDataDir = ["pgdata", LOCK_FILE].some((name) => existsSync(join(dir, name)));
if (existsSync(dir) && !looksLikeDataDir && readdirSync(dir).length > 0) {
  console.error(
    `fastr: refusing to wipe ${dir}: it does not look like a fastr data directory (no pgdata/ inside)`,
  );
  process.exit(2);
}
if (existsSync(dir)) {
  let lock: DataDirLock;
  try {
    lock = acquireDataDirLock(dir, "bun run reset");
  } catch (error) {
    if (!(error instanceof DataDirLocked)) throw error;
    console.error(`fastr: refusing to wipe ${dir}: it ${error.state}.
${error.holder ? `Stop that process first (Ctrl+C in its terminal, or kill ${error.holder.pid}), then run bun run reset again.` : ""}`);
    process.exit(1);
  }
  // Everything but the lock first, so no shop can start on a half-deleted directory; the folder
  // itself last (it stays when it is a mount point, or when a shop has just taken it).
  for (const entry of readdirSync(dir))
    if (entry !== LOCK_FILE) await rm(join(dir, entry), { recursive: true, force: true });
  lock.release();
  await rmdir(dir).catch(() => {});
}
console.log(`fastr: wiped ${dir}`);
