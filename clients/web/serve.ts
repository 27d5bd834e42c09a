/**
 * Serves the built storefront from memory: fingerprinted assets cached for a year, the HTML revalidated
 * on every visit, and the HTML for every client-side route (history fallback) — but never for the API,
 * health checks, dev pages, webhooks, images or anything that looks like a file.
 */
import { join } from "node:path";
import type { Context, Hono } from "hono";
import { type BuildManifest, describeBuild, ensureStorefrontBuild } from "./build.ts";

type Bytes = Uint8Array<ArrayBuffer>;
type Asset = { body: Bytes; gzip: Bytes | null; type: string };
export type Storefront = { manifest: BuildManifest; assets: Map<string, Asset> };

/** Paths the shop's server answers itself; a miss there is a 404, never the storefront's HTML. */
const SERVER_PATHS = /^\/(api|healthz|readyz|dev|webhooks|media|assets)(\/|$)/;
const LOOKS_LIKE_A_FILE = /\/[^/]*\.[A-Za-z0-9]{1,8}$/;
const COMPRESSIBLE = /^(text\/|application\/(javascript|json)|image\/svg)/;

/** Reads a build from disk into memory (gzipped once, up front), as `mountStorefront` serves it. */
export async function loadStorefront(manifest: BuildManifest, dir: string): Promise<Storefront> {
  const assets = new Map<string, Asset>();
  for (const path of manifest.files) {
    const file = Bun.file(join(dir, path));
    const body = new Uint8Array(await file.arrayBuffer());
    const type = file.type;
    const gzip =
      COMPRESSIBLE.test(type) && body.length > 1024 ? (Bun.gzipSync(body, { level: 9 }) as Bytes) : null;
    assets.set(`/${path}`, { body, gzip, type });
  }
  return { manifest, assets };
}

/**
 * Builds the storefront if its build is missing or stale, loads it, and says what happened.
 * @example const storefront = await prepareStorefront(console.log); mountStorefront(app, storefront);
 */
export async function prepareStorefront(say: (line: string) => void = () => {}) {
  const dir = join(import.meta.dir, "dist");
  const { manifest, built, ms } = await ensureStorefrontBuild(dir);
  say(
    built
      ? `fastr: built the storefront in ${ms} ms — ${describeBuild(manifest)}`
      : "fastr: the storefront build is up to date",
  );
  return loadStorefront(manifest, dir);
}

function send(c: Context, asset: Asset, cacheControl: string, etag?: string) {
  const headers: Record<string, string> = { "Content-Type": asset.type, "Cache-Control": cacheControl };
  if (etag) {
    headers.ETag = etag;
    if (c.req.header("if-none-match") === etag) return c.body(null, 304, headers);
  }
  if (asset.gzip) {
    headers.Vary = "Accept-Encoding";
    if (/\bgzip\b/.test(c.req.header("accept-encoding") ?? "")) {
      headers["Content-Encoding"] = "gzip";
      return c.body(asset.gzip, 200, headers);
    }
  }
  return c.body(asset.body, 200, headers);
}

/**
 * Mounts the storefront on the shop's app. Call it after every other route is mounted: it answers
 * whatever GET nothing else did.
 * @example mountStorefront(shop.app, await prepareStorefront(console.log));
 */
export function mountStorefront<E extends object>(app: Hono<E>, storefront: Storefront) {
  const html = storefront.assets.get("/index.html");
  if (!html) throw new Error("the storefront build has no index.html");
  const etag = `"${storefront.manifest.id}"`;

  app.get("/assets/*", (c) => {
    const asset = storefront.assets.get(c.req.path);
    return asset ? send(c, asset, "public, max-age=31536000, immutable") : c.notFound();
  });
  app.get("*", (c) => {
    if (SERVER_PATHS.test(c.req.path) || LOOKS_LIKE_A_FILE.test(c.req.path)) return c.notFound();
    return send(c, html, "no-cache", etag);
  });
}
