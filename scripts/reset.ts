/** `bun run reset`: wipes the embedded data directory (the next `bun start` seeds a fresh shop). */
import { rm } from "node:fs/promises";
import { resolve } from "node:path";
import { loadConfig } from "../platform/config.ts";

const dir = resolve(loadConfig().FASTR_DATA_DIR);
if (dir === resolve(".") || dir === "/") throw new Error(`refusing to wipe ${dir}`);
await rm(dir, { recursive: true, force: true });
console.log(`fastr: wiped ${dir}`);
