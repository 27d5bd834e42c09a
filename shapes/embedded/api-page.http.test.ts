/** `/dev/api` on a real shop: the generated reference as a page, a way to try queries, loopback only. */
import { afterAll, beforeAll, expect, it } from "bun:test";
import type { z } from "zod";
import type { ApiReference } from "../../scripts/api-reference/build.ts";
import { outputs } from "../../scripts/api-reference/outputs.ts";
import { describeWith } from "../../test/support/binaries.ts";
import { readyBuyer } from "../../test/support/buyers.ts";
import { stockedProduct } from "../../test/support/catalog.ts";
import { chromium, evaluateInChromium } from "../../test/support/chromium.ts";
import { type EmbeddedShop, startEmbeddedShop } from "../../test/support/shop.ts";
import { describeEmbedded } from "../../test/support/target.ts";
import { API_REFERENCE_JSON } from "./api-page.ts";

const reference = (await Bun.file(API_REFERENCE_JSON).json()) as ApiReference;
const queries = reference.procedures.filter((p) => p.kind === "query");

let shop: EmbeddedShop;
beforeAll(async () => {
  shop = await startEmbeddedShop();
}, 60_000);
afterAll(() => shop.stop());

/** A raw request with this Host header, as a browser on a rebinding domain would send it. */
const withHost = (path: string, host: string) =>
  shop.fetch(path, { headers: { host: host.replace("PORT", new URL(shop.url).port) } });

describeEmbedded("/dev/api on a loopback-bound shop", "/dev/api is the embedded shape's page", () => {
  it("lists every procedure of the reference, with a form to try each query", async () => {
    const res = await shop.fetch("/dev/api");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/html/);
    const page = await res.text();
    for (const p of reference.procedures) {
      expect(page).toContain(`<section id="${p.path}">`);
      expect(page).toContain(`<code>${p.http.method} ${p.http.url}</code>`);
    }
    expect(page.match(/<form class="try"/g)?.length).toBe(queries.length);
    expect(page).toContain('data-url="/api/product/trpc/list"');
    expect(page).toContain('<script src="/dev/api/try.js"></script>');
    // The example input in each form is escaped text: `{"limit": 24}` for product.list.
    expect(page).toContain("{\n  &quot;limit&quot;: 24\n}</textarea>");
  });

  it("serves the try script from its own URL (the page's CSP allows no inline script)", async () => {
    const res = await shop.fetch("/dev/api/try.js");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toMatch(/^text\/javascript/);
    const script = await res.text();
    expect(script).toContain('"?input=" + encodeURIComponent(JSON.stringify({ json: input }))');
    expect((await shop.fetch("/dev/api")).headers.get("content-security-policy")).toContain(
      "script-src 'self'",
    );
  });

  it("every query's example input, sent as the try form sends it, is accepted by the procedure", async () => {
    const { token } = await shop.staff();
    const refused: string[] = [];
    for (const p of queries) {
      const input = p.input ? `?input=${encodeURIComponent(JSON.stringify({ json: p.inputExample }))}` : "";
      const res = await shop.fetch(p.http.url + input, { headers: { authorization: `Bearer ${token}` } });
      // NOT_FOUND for the made-up id of an example is an answer; a 400 means the example is wrong.
      if (res.status !== 200 && res.status !== 404)
        refused.push(`${p.path}: ${res.status} ${await res.text()}`);
    }
    expect(refused).toEqual([]);
  }, 30_000);

  it("answers only to a loopback Host, so a DNS-rebinding page cannot read it", async () => {
    for (const host of ["127.0.0.1:PORT", "localhost:PORT", "[::1]:PORT", "shop.localhost:PORT"]) {
      expect({ host, status: (await withHost("/dev/api", host)).status }).toEqual({ host, status: 200 });
    }
    for (const host of [
      "rebind.attacker.example:PORT",
      "127.0.0.1.nip.io:PORT",
      "localhost.attacker.example",
    ]) {
      for (const path of ["/dev/api", "/dev/api/try.js"]) {
        const res = await withHost(path, host);
        expect({ host, path, status: res.status }).toEqual({ host, path, status: 403 });
        expect(await res.text()).toContain("only to a loopback Host");
      }
    }
  });

  it("the output schemas of the reference accept what the procedures answer, field for field", async () => {
    const { product, variantIds, staff } = await stockedProduct(shop, [5]);
    const buyer = await readyBuyer(shop, variantIds[0]!);
    const client = buyer.client;
    const order = await client.order.checkout.mutate({
      idempotencyKey: `reference-${Date.now()}`,
      addressId: buyer.addressId,
      paymentMethodId: "pm_card_visa",
    });
    const answers: [string, z.ZodType, unknown][] = [
      ["auth.me", outputs.auth.me, await client.auth.me.query()],
      ["user.me", outputs.user.me, await client.user.me.query()],
      ["user.addresses.list", outputs.user.addresses.list, await client.user.addresses.list.query()],
      ["product.categories", outputs.product.categories, await client.product.categories.query()],
      ["product.list", outputs.product.list, await client.product.list.query({ limit: 3 })],
      ["product.get", outputs.product.get, await client.product.get.query({ id: product.id })],
      [
        "product.setStock",
        outputs.product.setStock,
        await staff.product.setStock.mutate({ variantId: variantIds[0]!, stock: 9 }),
      ],
      ["payment.methods", outputs.payment.methods, await client.payment.methods.query()],
      ["cart.addItem", outputs.cart.addItem, await client.cart.addItem.mutate({ variantId: variantIds[0]! })],
      ["order.checkout", outputs.order.checkout, order],
      ["order.list", outputs.order.list, await client.order.list.query()],
      ["order.listAll", outputs.order.listAll, await staff.order.listAll.query({ limit: 2 })],
      ["notification.list", outputs.notification.list, await client.notification.list.query()],
    ];
    for (const [path, schema, answer] of answers) {
      // Parsing drops fields a schema does not name: an answer with more (or other) fields differs.
      expect({ path, parsed: schema.parse(answer) }).toEqual({ path, parsed: answer as never });
    }
    expect(order.lines).toHaveLength(1);
  }, 30_000);
});

describeWith({ chromium }, "/dev/api in a browser", () => {
  it("Run sends the query typed into the form and shows the shop's answer", async () => {
    const { product } = await stockedProduct(shop, [3]);
    const customer = await shop.customer("Grace Tryer");
    const run = (path: string, input: unknown, token = "") => `(async () => {
      const form = document.querySelector('form[data-url="/api/${path.replace(".", "/trpc/")}"]');
      const textarea = form.querySelector("textarea");
      if (textarea) textarea.value = ${JSON.stringify(JSON.stringify(input))};
      document.getElementById("token").value = ${JSON.stringify(token)};
      const out = form.querySelector(".result");
      out.textContent = "";
      form.querySelector("button").click();
      for (let i = 0; i < 200 && !out.textContent.startsWith("HTTP"); i++) await new Promise((r) => setTimeout(r, 50));
      return out.textContent;
    })()`;
    const answers = (await evaluateInChromium(
      `${shop.url}/dev/api`,
      `(async () => [
        await ${run("product.get", { id: product.id })},
        await ${run("product.list", { limit: 0 })},
        await ${run("user.me", null, customer.token)},
      ])()`,
    )) as string[];

    expect(answers[0]).toStartWith("HTTP 200\n");
    expect(answers[0]).toContain(`"slug": "${product.slug}"`);
    expect(answers[1]).toStartWith("HTTP 400\n");
    expect(answers[1]).toContain("invalid input: limit:");
    expect(answers[2]).toStartWith("HTTP 200\n");
    expect(answers[2]).toContain('"name": "Grace Tryer"');
  }, 90_000);
});

describeEmbedded("/dev/api on a shop bound beyond loopback", "/dev/api is the embedded shape's page", () => {
  it("is not served at all", async () => {
    const exposed = await startEmbeddedShop({ env: { HOST: "0.0.0.0" } });
    try {
      expect((await exposed.fetch("/dev/api")).status).toBe(404);
      expect((await exposed.fetch("/dev/api/try.js")).status).toBe(404);
    } finally {
      await exposed.stop();
    }
  }, 30_000);
});
