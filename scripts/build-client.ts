/**
 * `bun run build:client`: the typed client as a package entry (`fastr/client` in package.json `exports`)
 * that another project can use with its own compiler options: `dist/client.js` (the client link,
 * bundled without its dependencies) and `dist/types/` (declarations for it and the router types it
 * names, emitted by tsc). `bun pm pack` runs it first.
 */
import { rm } from "node:fs/promises";
import { join } from "node:path";
import { $ } from "bun";

const root = join(import.meta.dir, "..");
const dist = join(root, "dist");

await rm(dist, { recursive: true, force: true });
await $`${join(root, "node_modules/.bin/tsc")} -p ${join(root, "tsconfig.client.json")}`;
const built = await Bun.build({
  entrypoints: [join(root, "routers/client.ts")],
  outdir: dist,
  target: "browser",
  format: "esm",
  packages: "external",
});
if (!built.success) {
  for (const message of built.logs) console.error(message);
  process.exit(1);
}
console.log(`fastr: built the typed client into ${dist} (client.js, types/)`);
