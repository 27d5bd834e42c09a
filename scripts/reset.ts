/** `bun run reset`: wipes the embedded data directory (the next `bun start` seeds a fresh shop). */
import { existsSync, readdirSync } from "node:fs";
import { rm } from "node:fs/promises";
import { homedir } from "node:os";
import { join, relative, resolve } from "node:path";
import { readConfigOrExit } from "../platform/config.ts";
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
if (existsSync(dir) && !existsSync(join(dir, "pgdata")) && readdirSync(dir).length > 0) {
  console.error(
    `fastr: refusing to wipe ${dir}: it does not look like a fastr data directory (no pgdata/ inside)`,
  );
  process.exit(2);
}
await rm(dir, { recursive: true, force: true });
console.log(`fastr: wiped ${dir}`);
