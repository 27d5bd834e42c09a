/**
 * `bun start` as a user runs it: a real process on a free loopback port, a real data directory,
 * real HTTP; stopped by PID.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { existsSync } from "node:fs";
import { join } from "node:path";
import type { FastrClient } from "../../routers/client.ts";
import { rawRequest } from "../support/raw-http.ts";
import {
  cleanup,
  copyDataDir,
  exitWithin,
  runBun,
  type ShopProcess,
  startShop,
  stopAll,
  tempDir,
} from "./support.ts";

/** A tRPC mutation body: `{"json": input}`. */
const mutationBody = (input: unknown) => JSON.stringify({ json: input });

type Summary = Awaited<ReturnType<FastrClient["product"]["list"]["query"]>>["items"][number];

/** Every product, following `nextCursor` with the largest page (bounded, so a cursor bug cannot loop). */
async function allProducts(client: FastrClient) {
  const items: Summary[] = [];
  let cursor: string | undefined;
  for (let page = 0; page < 50; page++) {
    const result = await client.product.list.query({ limit: 100, ...(cursor && { cursor }) });
    items.push(...result.items);
    if (!result.nextCursor) return items;
    cursor = result.nextCursor;
  }
  throw new Error("product.list kept returning a nextCursor after 50 pages");
}

describe("bun start", () => {
  let dataDir: string;
  let first: ShopProcess | undefined;
  let firstIds: string[] = [];
  /** The second start's shop, stopped by the drain test. */
  let second: ShopProcess | undefined;

  beforeAll(() => {
    // Not there yet, as `.fastr` is not on a fresh clone (and after `bun run reset`).
    dataDir = join(tempDir("start"), ".fastr");
  });
  afterAll(async () => {
    await stopAll();
    cleanup();
  });

  it("on a fresh data directory seeds the demo shop and serves health, the storefront, the API and images", async () => {
    expect(existsSync(dataDir)).toBe(false);
    first = await startShop({ dataDir });
    console.info(`bun start, fresh data dir (seeds the catalog): ready in ${first.readyMs} ms`);
    const shop = first;

    expect(shop.stdout).toMatch(/seeded the demo catalog with \d+ products/);
    expect(shop.stdout).toContain(`running at ${shop.url}/`);

    const healthz = await shop.fetch("/healthz");
    expect(healthz.status).toBe(200);
    expect(await healthz.json()).toEqual({ status: "ok" });
    const readyz = await shop.fetch("/readyz");
    expect(readyz.status).toBe(200);
    expect(await readyz.json()).toEqual({ status: "ready" });

    const home = await shop.fetch("/");
    expect(home.status).toBe(200);
    expect(home.headers.get("content-type")).toMatch(/^text\/html/);
    expect(shop.stdout).toMatch(/the storefront (build is up to date|in \d+ ms — first page JS)/);
    const html = await home.text();
    expect(html).toContain('<div id="root"></div>');
    const script = html.match(/<script type="module" crossorigin src="(\/assets\/[^"]+\.js)"/)?.[1];
    expect((await shop.fetch(script!)).status).toBe(200);

    const client = shop.client();
    const categories = await client.product.categories.query();
    expect(categories.length).toBeGreaterThanOrEqual(6);
    for (const category of categories) expect(category.productCount).toBeGreaterThan(0);

    const products = await allProducts(client);
    expect(products.length).toBeGreaterThanOrEqual(60);
    expect(new Set(products.map((p) => p.id)).size).toBe(products.length); // paging neither repeats nor skips
    // The category counts agree with what the listing shows.
    const perCategory = new Map<string, number>();
    for (const p of products) perCategory.set(p.category.slug, (perCategory.get(p.category.slug) ?? 0) + 1);
    expect(Object.fromEntries(perCategory)).toEqual(
      Object.fromEntries(categories.map((c) => [c.slug, c.productCount])),
    );
    firstIds = products.map((p) => p.id).sort();

    // Every product's image is served as SVG.
    const images = await Promise.all(
      products.map(async (p) => {
        const response = await fetch(new URL(p.image, shop.url));
        const body = await response.text();
        return { image: p.image, status: response.status, type: response.headers.get("content-type"), body };
      }),
    );
    for (const image of images) {
      expect(image).toMatchObject({ status: 200, type: expect.stringMatching(/^image\/svg\+xml/) });
      expect(image.body).toMatch(/^<svg[\s>]/);
    }

    // A product with options has several variants, each with its own SKU, price and stock.
    let withOptions: Awaited<ReturnType<typeof client.product.get.query>> | undefined;
    for (const p of products) {
      const product = await client.product.get.query({ id: p.id });
      const prices = new Set(product.variants.map((v) => v.price.amount));
      const stocks = new Set(product.variants.map((v) => v.stock));
      if (product.options.length > 0 && product.variants.length >= 3 && prices.size > 1 && stocks.size > 1) {
        withOptions = product;
        break;
      }
    }
    expect(withOptions).toBeDefined();
    const variants = withOptions!.variants;
    expect(new Set(variants.map((v) => v.sku)).size).toBe(variants.length);
    expect(new Set(variants.map((v) => v.id)).size).toBe(variants.length);
    for (const variant of variants) {
      expect(variant.sku).toMatch(/^[A-Za-z0-9._-]+$/);
      expect(Number.isInteger(variant.price.amount) && variant.price.amount > 0).toBe(true);
      expect(Number.isInteger(variant.stock) && variant.stock >= 0).toBe(true);
      // Each variant is one combination of the product's option values.
      for (const option of withOptions!.options)
        expect(option.values).toContain(variant.options[option.name]!);
    }
  }, 60_000);

  it("exits with code 0 within a few seconds of SIGTERM", async () => {
    expect(first).toBeDefined();
    const sent = performance.now();
    const stopped = await first!.stop(5_000);
    const ms = Math.round(performance.now() - sent);
    expect(stopped).toEqual({ exitCode: 0, signalCode: null, forced: false });
    expect(ms).toBeLessThan(5_000);
    expect(first!.stderr).not.toMatch(/error/i);
  });

  it("a second start on the same data directory reuses the data without seeding again", async () => {
    second = await startShop({ dataDir });
    console.info(`bun start, warm data dir (reuses it): ready in ${second.readyMs} ms`);
    expect(second.stdout).not.toMatch(/seeded/);
    expect((await second.fetch("/readyz")).status).toBe(200);
    const ids = (await allProducts(second.client())).map((p) => p.id).sort();
    expect(ids).toEqual(firstIds);
    expect(second.readyMs).toBeLessThan(10_000);
    // It goes on running: the drain test below stops it.
  }, 30_000);

  it("refuses a bad configuration with a message naming the variable and what was expected", async () => {
    const badDir = tempDir("badconfig");
    const run = await runBun(["shapes/embedded/main.ts"], { PORT: "abc", FASTR_DATA_DIR: badDir }, 15_000);
    expect(run.exitCode).not.toBe(0);
    expect(run.signalCode).toBeNull();
    expect(run.stderr).toContain("PORT");
    expect(run.stderr).toMatch(/PORT: expected a whole number, got "abc"/);
    expect(run.stdout).not.toMatch(/running at/);
  }, 20_000);

  it("drains on SIGTERM: every request received before the signal completes, a checkout included, then it exits 0", async () => {
    // The second start's shop (a start of its own when that test did not run).
    const shop = second ?? (await startShop({ dataDir: copyDataDir(dataDir, "drain") }));
    // A customer with one item in the cart, ready to check out.
    const { token } = await shop.client().auth.signup.mutate({
      email: "drain-buyer@example.test",
      password: "correct horse battery",
      name: "Drain Buyer",
    });
    const buyer = shop.client(token);
    const { items } = await buyer.product.list.query({ limit: 20 });
    const product = await buyer.product.get.query({ id: items.find((p) => p.inStock)!.id });
    const variant = product.variants.find((v) => v.stock > 0)!;
    await buyer.cart.addItem.mutate({ variantId: variant.id, quantity: 1 });

    // Freeze the shop and send everything: the kernel accepts the connections and holds the bytes, so
    // when the signal lands every request has been received and none has been handled — by construction,
    // not by timing.
    const count = 24;
    const json = { "content-type": "application/json" };
    process.kill(shop.pid, "SIGSTOP");
    let resumed = false;
    try {
      const signups = Array.from({ length: count }, (_, i) =>
        rawRequest(shop.port, {
          method: "POST",
          path: "/api/auth/trpc/signup",
          headers: json,
          body: mutationBody({
            email: `drain-${i}@example.test`,
            password: "correct horse battery",
            name: `Drain ${i}`,
          }),
        }),
      );
      const checkout = rawRequest(shop.port, {
        method: "POST",
        path: "/api/order/trpc/checkout",
        headers: { ...json, authorization: `Bearer ${token}` },
        body: mutationBody({
          idempotencyKey: "drain-checkout-1",
          shippingAddress: {
            name: "Drain Buyer",
            line1: "1 Main St",
            city: "Berlin",
            postalCode: "10115",
            country: "DE",
          },
          paymentMethodId: "pm_card_visa",
        }),
      });
      await Promise.all([...signups, checkout].map((r) => r.written));
      process.kill(shop.pid, "SIGTERM");
      process.kill(shop.pid, "SIGCONT");
      resumed = true;

      const answers = await Promise.all(signups.map((r) => r.response));
      const order = await checkout.response;
      const exited = await exitWithin(shop.proc, 20_000);

      expect(answers.map((a) => ("status" in a ? a.status : a.error))).toEqual(Array(count).fill(200));
      for (const a of answers)
        expect(JSON.parse("body" in a ? a.body : "{}").result.data.json.token).toEqual(expect.any(String));
      expect(order).toMatchObject({ status: 200 });
      expect(JSON.parse("body" in order ? order.body : "{}").result.data.json.status).toBe("paid");
      expect(exited).toEqual({ exitCode: 0, signalCode: null });
    } finally {
      if (!resumed) process.kill(shop.pid, "SIGCONT");
    }
  }, 60_000);

  it("refuses a port that is taken with a message naming it and how to choose another: exit 1, no stack", async () => {
    const holder = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
    try {
      const run = await runBun(
        ["shapes/embedded/main.ts"],
        { PORT: String(holder.port), HOST: "127.0.0.1", FASTR_DATA_DIR: tempDir("port") },
        15_000,
      );
      expect(run.exitCode).toBe(1);
      expect(run.signalCode).toBeNull();
      expect(run.stderr).toContain(`port ${holder.port} on 127.0.0.1 is already in use`);
      expect(run.stderr).toContain(`PORT=${holder.port + 1} bun start`);
      expect(run.stderr).not.toMatch(/EADDRINUSE|Error:|\n\s+at |\^/);
      expect(run.stdout).not.toMatch(/running at|opening the embedded database/);
    } finally {
      holder.stop(true);
    }
  }, 20_000);
});
