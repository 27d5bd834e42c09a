import { afterAll, beforeAll, expect, it } from "bun:test";
import { type EmbeddedShop, startEmbeddedShop } from "../../test/support/shop.ts";
import { describeEmbedded } from "../../test/support/target.ts";

describeEmbedded(
  "serving the storefront",
  "the cluster's NGINX serves the build (test/cluster/); this is the embedded shop's own serving",
  () => {
    let shop: EmbeddedShop;
    let script: string;

    beforeAll(async () => {
      shop = await startEmbeddedShop({ storefront: true });
      const html = await (await shop.fetch("/")).text();
      script = html.match(/<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/)?.[1] ?? "";
    }, 60_000); // opening PGlite (and building, on a fresh clone) takes seconds on a busy machine
    afterAll(() => shop.stop());

    it("serves the page at / with no-cache, an ETag and the shop's CSP, and no inline script", async () => {
      const response = await shop.fetch("/");
      expect(response.status).toBe(200);
      expect(response.headers.get("content-type")).toMatch(/^text\/html/);
      expect(response.headers.get("cache-control")).toBe("no-cache");
      expect(response.headers.get("content-security-policy")).toContain("script-src 'self'");
      const html = await response.text();
      expect(html).toContain('<html lang="en">');
      expect(script).toMatch(/^\/assets\/index-[a-z0-9]+\.js$/);
      // Every script has a src: an inline one would be blocked by script-src 'self'.
      expect(html.match(/<script(?![^>]*\ssrc=)[^>]*>/g)).toBeNull();

      const again = await shop.fetch("/", { headers: { "if-none-match": response.headers.get("etag")! } });
      expect(again.status).toBe(304);
    });

    it("answers client-side routes with the same page, so a reload works", async () => {
      const home = await (await shop.fetch("/")).text();
      for (const path of [
        "/products",
        "/products/linen-shirt",
        "/orders/0190",
        "/staff/orders?status=paid",
      ]) {
        const response = await shop.fetch(path);
        expect({ path, status: response.status }).toEqual({ path, status: 200 });
        expect(await response.text()).toBe(home);
      }
    });

    it("never answers the server's own paths, files or other methods with the page", async () => {
      for (const path of [
        "/api/nothing/here",
        "/dev/nothing",
        "/webhooks/nothing",
        "/media/products/no-such-thing.svg",
        "/assets/index-missing.js",
        "/favicon.ico",
        "/robots.txt",
        "/healthzz/x.json",
      ]) {
        const response = await shop.fetch(path);
        expect({ path, status: response.status }).toEqual({ path, status: 404 });
        expect(response.headers.get("content-type") ?? "").not.toMatch(/text\/html/);
      }
      expect((await shop.fetch("/healthz")).headers.get("content-type")).toMatch(/json/);
      expect((await shop.fetch("/products", { method: "POST" })).status).toBe(404);
    });

    it("serves fingerprinted assets immutably, gzipped when the browser accepts it", async () => {
      const plain = await shop.fetch(script, { headers: { "accept-encoding": "identity" } });
      expect(plain.status).toBe(200);
      expect(plain.headers.get("content-type")).toMatch(/^text\/javascript/);
      expect(plain.headers.get("cache-control")).toBe("public, max-age=31536000, immutable");
      const body = await plain.text();

      const gzipped = await fetch(`${shop.url}${script}`, {
        headers: { "accept-encoding": "gzip" },
        decompress: false,
      });
      expect(gzipped.headers.get("content-encoding")).toBe("gzip");
      expect(gzipped.headers.get("vary")).toBe("Accept-Encoding");
      const compressed = new Uint8Array(await gzipped.arrayBuffer());
      expect(compressed.length).toBeLessThan(body.length / 2);
      expect(new TextDecoder().decode(Bun.gunzipSync(compressed))).toBe(body);
    });
  },
);
