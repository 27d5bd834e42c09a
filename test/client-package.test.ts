/**
 * The typed client as another project gets it: `bun pm pack` (which builds `dist/`), the tarball
 * unpacked into a fresh project's node_modules next to the client's own dependencies (and nothing of
 * this repository's), then `tsc` with that project's options and a real call to a running shop.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdirSync, mkdtempSync, readdirSync, rmSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, relative, resolve } from "node:path";
import { $ } from "bun";
import { startTestShop } from "./support/shop.ts";

const ROOT = resolve(import.meta.dir, "..");
const TSC = join(ROOT, "node_modules/.bin/tsc");
/** What a package manager installs for fastr that the client needs at all. */
const CLIENT_DEPENDENCIES = ["@trpc/client", "@trpc/server", "superjson", "zod"];

let work: string;
let consumer: string;
let installed: string;

beforeAll(async () => {
  work = mkdtempSync(join(tmpdir(), "fastr-consumer-"));
  await $`bun pm pack --destination ${work} --quiet`.cwd(ROOT).quiet();
  const tarball = readdirSync(work).find((f) => f.endsWith(".tgz"));
  if (!tarball) throw new Error(`bun pm pack wrote no tarball into ${work}`);

  consumer = join(work, "consumer");
  installed = join(consumer, "node_modules/fastr");
  mkdirSync(installed, { recursive: true });
  await $`tar -xzf ${join(work, tarball)} -C ${installed} --strip-components=1`;
  for (const name of CLIENT_DEPENDENCIES) {
    mkdirSync(join(consumer, "node_modules", name, ".."), { recursive: true });
    symlinkSync(join(ROOT, "node_modules", name), join(consumer, "node_modules", name));
  }
  writeFileSync(join(consumer, "package.json"), JSON.stringify({ name: "storefront", type: "module" }));
  writeFileSync(
    join(consumer, "ok.ts"),
    `import { type AppRouter, createFastrClient } from "fastr/client";
import type { inferRouterOutputs } from "@trpc/server";

const client = createFastrClient({ baseUrl: "http://127.0.0.1:3000" });
const page = await client.product.list.query({ limit: 5 });
const slug: string = page.items[0]!.slug;
const cents: number = page.items[0]!.priceFrom.amount;
type Order = inferRouterOutputs<AppRouter>["order"]["get"];
const status: Order["status"] = "awaiting_payment";
export { cents, slug, status };
`,
  );
  writeFileSync(
    join(consumer, "wrong.ts"),
    `import { createFastrClient } from "fastr/client";

const client = createFastrClient({ baseUrl: "http://127.0.0.1:3000" });
await client.product.list.query({ limit: "five" });
export {};
`,
  );
}, 60_000);

afterAll(() => rmSync(work, { recursive: true, force: true }));

/** `tsc -p` in the consumer with this tsconfig: its diagnostics as `file(line,col): error TS…` lines. */
async function typecheck(compilerOptions: Record<string, unknown>) {
  writeFileSync(join(consumer, "tsconfig.json"), JSON.stringify({ compilerOptions }));
  const run = await $`${TSC} -p ${consumer}`.cwd(consumer).quiet().nothrow();
  return `${run.stdout}`
    .split("\n")
    .filter((line) => /error TS\d+/.test(line))
    .map((line) => {
      const file = line.slice(0, line.indexOf("("));
      return { file: relative(consumer, resolve(consumer, file)), line };
    });
}

describe("the typed client from another project (fastr/client)", () => {
  it("the package holds the client and its declarations, and none of the server", async () => {
    const files = (await $`find . -type f`.cwd(installed).text()).split("\n").filter(Boolean).sort();
    expect(files).toContain("./dist/client.js");
    expect(files).toContain("./dist/types/routers/client.d.ts");
    expect(files.filter((f) => !f.startsWith("./dist/"))).toEqual(["./README.md", "./package.json"]);
    expect(files.filter((f) => f.endsWith(".ts") && !f.endsWith(".d.ts"))).toEqual([]);

    const client = await Bun.file(join(installed, "dist/client.js")).text();
    expect(client).toContain("createFastrClient");
    expect(client).not.toMatch(/initTRPC|drizzle|pglite|services\//);
  }, 30_000);

  it("typechecks with default compiler options (moduleResolution bundler), and a wrong call fails", async () => {
    const errors = await typecheck({ module: "preserve", moduleResolution: "bundler", noEmit: true });
    // tRPC's own declarations name Node's http and ES2024 disposables: a project checking library
    // declarations needs @types/node or skipLibCheck (which Vite's and Next's templates set) for them.
    const ours = errors.filter((e) => !e.file.includes("node_modules/@trpc/server/dist/"));
    expect(ours.map((e) => e.line)).toEqual([
      "wrong.ts(4,35): error TS2322: Type 'string' is not assignable to type 'number'.",
    ]);
  }, 30_000);

  it("typechecks with nodenext resolution and skipLibCheck as well", async () => {
    const errors = await typecheck({
      module: "nodenext",
      moduleResolution: "nodenext",
      skipLibCheck: true,
      noEmit: true,
    });
    expect(errors.map((e) => e.line)).toEqual([
      "wrong.ts(4,35): error TS2322: Type 'string' is not assignable to type 'number'.",
    ]);
  }, 30_000);

  it("the packaged client calls a running shop", async () => {
    const shop = await startTestShop();
    try {
      const { createFastrClient } = (await import(
        join(installed, "dist/client.js")
      )) as typeof import("../routers/client.ts");
      const client = createFastrClient({ baseUrl: shop.url });
      const [methods, page] = await Promise.all([
        client.payment.methods.query(),
        client.product.list.query({ limit: 5 }),
      ]);
      expect(methods.map((m) => m.id)).toContain("pm_card_visa");
      expect(page).toEqual({ items: [], nextCursor: null });
    } finally {
      await shop.stop();
    }
  }, 30_000);
});
