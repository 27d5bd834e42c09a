/**
 * The host's edge over real HTTP, on the embedded shop: what the response cache stores, batch limits,
 * client addresses behind a proxy, error bodies, CORS and the dev mailbox's Host check.
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { createFastrClient } from "../../routers/client.ts";
import { rawRequest } from "../../test/support/raw-http.ts";
import { type EmbeddedShop, mutationBody, startEmbeddedShop, uniqueEmail } from "../../test/support/shop.ts";

const FRONT_END = "http://localhost:5173";

/** What every error on the wire must look like: a tRPC code, a readable message, the request id, no stack. */
async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  expect(res.headers.get("content-type")).toStartWith("application/json");
  const text = await res.text();
  expect(text).not.toContain("stack");
  expect(text).not.toMatch(/at .+\.ts:\d+/);
  const body = JSON.parse(text).error.json;
  expect(body.data.code).toBe(code);
  expect(body.data.requestId).toBe(res.headers.get("x-request-id"));
  expect(body.message.length).toBeGreaterThan(10);
  return body as { message: string; data: Record<string, unknown> };
}

let shop: EmbeddedShop;
beforeAll(async () => {
  shop = await startEmbeddedShop({
    env: { TRUST_PROXY: "true", ALLOWED_ORIGINS: FRONT_END },
    overrides: {
      loginLimits: { ipAttempts: 5, ipWindowMs: 60_000, accountFailures: 50, accountWindowMs: 60_000 },
    },
  });
}, 60_000);
afterAll(() => shop.stop());

const post = (path: string, body: string, headers: Record<string, string> = {}) =>
  shop.fetch(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

describe("the catalog response cache", () => {
  for (const [name, headers] of [
    ["trpc-accept: application/jsonl", { "trpc-accept": "application/jsonl" }],
    ["Accept: application/jsonl", { accept: "application/jsonl" }],
  ] as const) {
    it(`is not poisoned by a ${name} request: the typed client still reads the catalog`, async () => {
      const urls: string[] = [];
      const client = createFastrClient({
        baseUrl: shop.url,
        fetch: (input, init) => {
          urls.push(String(input));
          return fetch(input, init);
        },
      });
      await client.product.categories.query(); // the URL the typed client asks for
      const url = urls[0]!;
      await shop.shop.services.product.createCategory({ slug: `c-${Date.now()}`, name: "Fresh" }); // a new generation

      const stream = await fetch(url, { headers });
      expect(stream.status).toBe(200);
      expect(stream.headers.get("content-type")).toBe("application/jsonl");
      expect((await stream.text()).trim().split("\n").length).toBeGreaterThan(1);

      const categories = await client.product.categories.query();
      expect(categories.length).toBeGreaterThan(0);
      const plain = await fetch(url);
      expect(plain.headers.get("x-cache")).toBe("hit");
      expect(JSON.parse(await plain.text())[0].result.data.json.length).toBe(categories.length);
    }, 20_000);
  }
});

describe("batches", () => {
  it("refuses a batch of 3000 product.list calls with a 400 that names the limit, before running any", async () => {
    const res = await shop.fetch(`/api/product/trpc/${Array(3000).fill("list").join(",")}?batch=1`);
    const body = await expectError(res, 400, "BAD_REQUEST");
    expect(body.message).toBe(
      "a batch may hold at most 10 calls and this one has 3000: split it into smaller batches",
    );
    expect(body.data.maxBatchSize).toBe(10);
  });

  it("counts calls the way tRPC does, encoded commas included", async () => {
    const res = await shop.fetch(`/api/product/trpc/${Array(11).fill("list").join("%2C")}?batch=1`);
    await expectError(res, 400, "BAD_REQUEST");
  });

  it("refuses a batch of 11 signups before creating any account", async () => {
    const emails = Array.from({ length: 11 }, () => uniqueEmail("batch"));
    const inputs = Object.fromEntries(
      emails.map((email, i) => [i, { json: { email, password: "correct horse battery", name: "B" } }]),
    );
    const res = await post(
      `/api/auth/trpc/${Array(11).fill("signup").join(",")}?batch=1`,
      JSON.stringify(inputs),
    );
    await expectError(res, 400, "BAD_REQUEST");
    const again = await createFastrClient({ baseUrl: shop.url }).auth.signup.mutate({
      email: emails[0]!,
      password: "correct horse battery",
      name: "B",
    });
    expect(again.user.email).toBe(emails[0]!); // not taken: the refused batch created nothing
  }, 20_000);

  it("serves a batch of 10", async () => {
    const res = await shop.fetch(`/api/product/trpc/${Array(10).fill("categories").join(",")}?batch=1`);
    expect(res.status).toBe(200);
    expect((await res.json()).length).toBe(10);
  });
});

describe("the client address behind a proxy (TRUST_PROXY=true: one proxy)", () => {
  const login = (forwardedFor: string, extra: Record<string, string> = {}) =>
    post("/api/auth/trpc/login", mutationBody({ email: uniqueEmail("nobody"), password: "wrong password" }), {
      "x-forwarded-for": forwardedFor,
      ...extra,
    });

  it("throttles by the address the proxy appended, whatever the client wrote in front of it", async () => {
    for (let i = 0; i < 5; i++) expect((await login(`10.66.0.${i}, 203.0.113.50`)).status).toBe(401);
    expect((await login("10.66.0.99, 203.0.113.50")).status).toBe(429);
    expect((await login("203.0.113.50, 203.0.113.51")).status).toBe(401); // another client
  }, 20_000);

  it("takes the scheme and the host from the proxy's entry too", async () => {
    const { email, password } = await shop.customer();
    const cookieOver = async (proto: string) => {
      const res = await post("/api/auth/trpc/login", mutationBody({ email, password }), {
        "x-forwarded-for": `198.51.100.${proto.length}`,
        "x-forwarded-proto": proto,
      });
      expect(res.status).toBe(200);
      return res.headers.get("set-cookie") ?? "";
    };
    expect(await cookieOver("http, https")).toEndWith("; Secure");
    expect(await cookieOver("https, http")).not.toContain("Secure"); // the client's "https" is hearsay

    const cookie = (await cookieOver("http, https")).split(";")[0]!;
    const update = (forwardedHost: string) =>
      post("/api/user/trpc/update", mutationBody({ name: "Renamed" }), {
        cookie,
        origin: "https://shop.example.com",
        "x-forwarded-host": forwardedHost,
      });
    expect((await update("evil.example, shop.example.com")).status).toBe(200);
    expect((await update("shop.example.com, evil.example")).status).toBe(403);
  }, 20_000);
});

describe("error bodies", () => {
  it("answers a POST with a wrong content type with 415, the request id and what to send", async () => {
    const res = await shop.fetch("/api/auth/trpc/signup", {
      method: "POST",
      headers: { "content-type": "text/plain" },
      body: "{}",
    });
    const body = await expectError(res, 415, "UNSUPPORTED_MEDIA_TYPE");
    expect(body.message).toContain("Content-Type: application/json");
    await expectError(
      await shop.fetch("/api/auth/trpc/signup", { method: "POST", body: "{}" }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
    const form = new FormData();
    form.set("email", "a@b.co");
    await expectError(
      await shop.fetch("/api/auth/trpc/signup", { method: "POST", body: form }),
      415,
      "UNSUPPORTED_MEDIA_TYPE",
    );
  });

  it("answers methods tRPC does not speak with 405 and Allow", async () => {
    for (const method of ["PUT", "DELETE", "PATCH"]) {
      const res = await shop.fetch("/api/auth/trpc/signup", { method });
      const body = await expectError(res, 405, "METHOD_NOT_SUPPORTED");
      expect(body.message).toContain("send queries as GET and mutations as POST");
      expect(res.headers.get("allow")).toBe("GET, HEAD, POST, OPTIONS");
    }
    const get = await expectError(await shop.fetch("/api/auth/trpc/signup"), 405, "METHOD_NOT_SUPPORTED");
    expect(get.message).toBe("signup is a mutation: send it with POST");
  });

  it("answers a 60-byte input whose superjson meta would recurse until the stack overflows with a readable 400", async () => {
    const res = await post(
      "/api/auth/trpc/signup",
      '{"json":{"a":1},"meta":{"values":{"a":["custom","nope"]}}}',
    );
    expect((await expectError(res, 400, "BAD_REQUEST")).message).toBe(
      "the input's superjson meta is malformed",
    );
  });

  it("says what is wrong with unreadable input, not what the parser said", async () => {
    const nested = await post(
      "/api/auth/trpc/signup",
      `{"json":${"[".repeat(100_000)}${"]".repeat(100_000)}}`,
    );
    expect((await expectError(nested, 400, "BAD_REQUEST")).message).toBe(
      "the input is nested more than 64 levels deep",
    );
    const malformed = await expectError(await post("/api/auth/trpc/signup", "{not json"), 400, "BAD_REQUEST");
    expect(malformed.message).toBe("the input is not valid JSON");
    const query = await expectError(
      await shop.fetch("/api/product/trpc/list?input=%7Bnot"),
      400,
      "BAD_REQUEST",
    );
    expect(query.message).toBe("the input is not valid JSON");
    const proto = await post(
      "/api/auth/trpc/signup",
      '{"json":{"__proto__":{"x":1}},"meta":{"values":{"__proto__.x":["Date"]}}}',
    );
    expect((await expectError(proto, 400, "BAD_REQUEST")).message).toContain("could not be decoded");
  });

  it("names the request even for errors tRPC raises before any procedure runs", async () => {
    const cases: [string, RequestInit, number, string][] = [
      [
        "/api/product/trpc/list,create?batch=1",
        { method: "POST", headers: { "content-type": "application/json" }, body: "{}" },
        400,
        "BAD_REQUEST",
      ],
      ["/api/product/trpc/li%ZZst", {}, 400, "BAD_REQUEST"],
      ["/api/product/trpc/list?connectionParams=%7Bx", {}, 400, "BAD_REQUEST"],
      ["/api/product/trpc/list", { headers: { "trpc-accept": "application/jsonl" } }, 400, "BAD_REQUEST"],
      [
        "/api/product/trpc/list",
        { headers: { "content-type": "multipart/form-data; boundary=x" } },
        405,
        "METHOD_NOT_SUPPORTED",
      ],
      ["/api/nope", {}, 404, "NOT_FOUND"],
    ];
    for (const [path, init, status, code] of cases)
      await expectError(await shop.fetch(path, init), status, code);
    const connectionParams = await shop.fetch("/api/product/trpc/list?connectionParams=%7Bx");
    expect((await connectionParams.json()).error.json.message).toContain("connectionParams");
  });

  it("names the request in each error of a batch with an unknown procedure", async () => {
    const res = await shop.fetch("/api/product/trpc/categories,nope?batch=1");
    const [, missing] = await res.json();
    expect(missing.error.json.data).toMatchObject({
      code: "NOT_FOUND",
      requestId: res.headers.get("x-request-id"),
    });
  });
});

describe("CORS", () => {
  it("answers a preflight from an allowed origin with everything the typed client needs", async () => {
    const res = await shop.fetch("/api/auth/trpc/signup", {
      method: "OPTIONS",
      headers: {
        origin: FRONT_END,
        "access-control-request-method": "POST",
        "access-control-request-headers": "content-type, x-cart-token",
      },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("access-control-allow-origin")).toBe(FRONT_END);
    expect(res.headers.get("access-control-allow-credentials")).toBe("true");
    expect(res.headers.get("access-control-allow-methods")).toContain("POST");
    const allowed = res.headers.get("access-control-allow-headers")!.split(",");
    for (const header of ["content-type", "authorization", "trpc-accept", "x-cart-token", "x-request-id"])
      expect(allowed).toContain(header);
    expect(Number(res.headers.get("access-control-max-age"))).toBeGreaterThan(0);
    expect(res.headers.get("vary")).toContain("Origin");
  });

  it("lets an allowed origin read answers, cached ones included, with credentials", async () => {
    for (let i = 0; i < 2; i++) {
      const res = await shop.fetch("/api/product/trpc/categories", { headers: { origin: FRONT_END } });
      expect(res.status).toBe(200);
      expect(res.headers.get("access-control-allow-origin")).toBe(FRONT_END);
      expect(res.headers.get("access-control-allow-credentials")).toBe("true");
      expect(res.headers.get("access-control-expose-headers")).toContain("x-request-id");
      expect(res.headers.get("vary")).toContain("Origin");
    }
  });

  it("lets an allowed origin read error answers too, so its code can show them", async () => {
    const res = await shop.fetch("/api/auth/trpc/signup", {
      method: "POST",
      headers: { origin: FRONT_END, "content-type": "text/plain" },
      body: "{}",
    });
    expect(res.status).toBe(415);
    expect(res.headers.get("access-control-allow-origin")).toBe(FRONT_END);
    const unauthorized = await shop.fetch("/api/user/trpc/me", { headers: { origin: FRONT_END } });
    expect(unauthorized.status).toBe(401);
    expect(unauthorized.headers.get("access-control-allow-origin")).toBe(FRONT_END);
  });

  it("gives any other origin no CORS headers at all, preflight or not", async () => {
    const inits: RequestInit[] = [
      {
        method: "OPTIONS",
        headers: { origin: "https://evil.example", "access-control-request-method": "POST" },
      },
      { headers: { origin: "https://evil.example" } },
    ];
    for (const init of inits) {
      const res = await shop.fetch("/api/auth/trpc/me", init);
      expect(res.status).toBeLessThan(300);
      expect([...res.headers.keys()].filter((h) => h.startsWith("access-control-"))).toEqual([]);
      expect(res.headers.get("vary")).toContain("Origin");
    }
  });

  it("lets product images be shown on another origin, and nothing else", async () => {
    const [product] = (await shop.client().product.list.query({ limit: 1 })).items;
    const image = await shop.fetch(product?.image ?? "/media/placeholder.svg");
    expect(image.status).toBe(200);
    expect(image.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect((await shop.fetch("/")).headers.get("cross-origin-resource-policy")).toBe("same-origin");
  });
});

describe("the dev mailbox", () => {
  const port = () => Number(new URL(shop.url).port);
  const mailbox = (host: string) =>
    rawRequest(port(), { method: "GET", path: "/dev/mailbox", headers: { host } }).response;

  it("refuses a Host that names another site (DNS rebinding) with 403", async () => {
    for (const host of [
      "evil.example",
      `evil.example:${port()}`,
      "localhost.evil.example",
      "127.0.0.1.nip.io",
    ]) {
      const res = await mailbox(host);
      expect(res).toMatchObject({ status: 403 });
      expect("body" in res && res.body).not.toContain("<details>");
    }
  });

  it("answers to localhost and IP addresses on any port", async () => {
    for (const host of [
      "localhost",
      `localhost:${port()}`,
      "127.0.0.1:8080",
      "[::1]:3000",
      "shop.localhost",
    ]) {
      expect(await mailbox(host)).toMatchObject({ status: 200 });
    }
  });
});
