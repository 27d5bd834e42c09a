import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readdirSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import {
  type BuildManifest,
  buildStorefront,
  ensureStorefrontBuild,
  FIRST_PAGE_JS_BUDGET,
  readManifest,
} from "./build.ts";

/** Packages that only the server may use; the browser bundle must contain none of them. */
const SERVER_PACKAGES = [
  "drizzle-orm",
  "@electric-sql/pglite",
  "pg",
  "pg-pool",
  "ioredis",
  "nodemailer",
  "stripe",
  "argon2",
  "hono",
  "@oslojs/crypto",
  "smtp-server",
];

describe("the storefront build", () => {
  let dir: string;
  let manifest: BuildManifest;
  let javascript: string;

  beforeAll(async () => {
    dir = mkdtempSync(join(tmpdir(), "fastr-web-build-"));
    manifest = await buildStorefront(dir);
    const scripts = manifest.files.filter((f) => f.endsWith(".js"));
    javascript = (await Promise.all(scripts.map((f) => Bun.file(join(dir, f)).text()))).join("\n");
  }, 60_000);
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  it("keeps the first page's JavaScript under 200 KB gzipped", () => {
    console.info(`first page JS: ${(manifest.firstPage.jsGzipBytes / 1024).toFixed(1)} KB gzipped`);
    expect(manifest.firstPage.files.length).toBeGreaterThan(0);
    expect(manifest.firstPage.jsGzipBytes).toBeGreaterThan(10 * 1024); // it measured something real
    expect(manifest.firstPage.jsGzipBytes).toBeLessThanOrEqual(FIRST_PAGE_JS_BUDGET);
  });

  it("is made from client code, contracts and the client link only: no server module", () => {
    const inputs = Object.keys(manifest.inputs);
    expect(inputs).toContain("routers/client.ts");
    const serverModules = inputs.filter(
      (path) =>
        /^(services|platform|scripts|bench)\//.test(path) ||
        (path.startsWith("routers/") && path !== "routers/client.ts") ||
        SERVER_PACKAGES.some((pkg) => path.startsWith(`node_modules/${pkg}/`)),
    );
    expect(serverModules).toEqual([]);
  });

  it("contains no server code: no database, cache, mail or payment library, no SQL", () => {
    for (const marker of [
      /drizzle/i,
      /pglite/i,
      /ioredis/i,
      /nodemailer/i,
      /argon2/i,
      /stripe/i,
      /require\(["']pg["']\)|from["']pg["']/,
      /\b(SELECT [\w"*., ]+ FROM|INSERT INTO|UPDATE \w+ SET|DELETE FROM|CREATE TABLE|pg_advisory)/,
      /Bun\.(password|serve|file)/,
    ]) {
      expect({ marker: String(marker), found: javascript.match(marker)?.[0] ?? null }).toEqual({
        marker: String(marker),
        found: null,
      });
    }
  });

  it("writes only fingerprinted files besides the page and its manifest", () => {
    expect(readdirSync(dir).sort()).toEqual(["assets", "build.json", "index.html"]);
    for (const file of readdirSync(join(dir, "assets"))) expect(file).toMatch(/-[a-z0-9]{8,}\.[a-z]+$/);
  });

  it("builds again only when an input changed since the last build", async () => {
    const current = await ensureStorefrontBuild(dir);
    expect(current.built).toBe(false);

    const stale = { ...manifest, inputs: { ...manifest.inputs, "clients/web/src/main.tsx": "changed" } };
    await Bun.write(join(dir, "build.json"), JSON.stringify(stale));
    const rebuilt = await ensureStorefrontBuild(dir);
    expect(rebuilt.built).toBe(true);
    expect((await readManifest(dir))?.inputs["clients/web/src/main.tsx"]).toBe(
      manifest.inputs["clients/web/src/main.tsx"],
    );

    rmSync(join(dir, "build.json"));
    expect((await ensureStorefrontBuild(dir)).built).toBe(true);
  }, 60_000);
});
