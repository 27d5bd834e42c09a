import { beforeEach, describe, expect, it } from "bun:test";
import { initTRPC } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";
import { Hono } from "hono";
import { memoryCache } from "../cache/memory.ts";
import { responseCache } from "./response-cache.ts";

/**
 * A real tRPC fetch adapter behind the middleware, with tRPC's defaults (its JSONL stream is labelled
 * application/json, as in any app that did not change it), and a counter of procedure runs.
 */
function app(options: { handler?: (c: import("hono").Context) => Response | Promise<Response> } = {}) {
  const t = initTRPC.create();
  const runs = { list: 0 };
  const router = t.router({
    list: t.procedure
      .input((raw) => raw as { limit?: number } | undefined)
      .query(() => {
        runs.list++;
        return { items: ["kettle", "teapot"] };
      }),
    categories: t.procedure.query(() => ["coffee-tea"]),
  });
  const hono = new Hono();
  hono.use(
    "/api/*",
    responseCache({
      cache: memoryCache(),
      ttlMs: 60_000,
      paths: ["/api/product/trpc/list", "/api/product/trpc/categories"],
      generation: async () => "g1",
    }),
  );
  hono.all(
    "/api/product/trpc/*",
    options.handler ??
      ((c) => fetchRequestHandler({ endpoint: "/api/product/trpc", req: c.req.raw, router })),
  );
  return { hono, runs };
}

describe("the response cache", () => {
  let shop: ReturnType<typeof app>;
  beforeEach(() => {
    shop = app();
  });
  const get = (path: string, headers: Record<string, string> = {}) =>
    shop.hono.request(`http://shop.test${path}`, { headers });

  it("answers a repeat plain GET from the stored bytes without running the procedure", async () => {
    const first = await get("/api/product/trpc/list");
    const second = await get("/api/product/trpc/list");
    expect(first.headers.get("x-cache")).toBe("miss");
    expect(second.headers.get("x-cache")).toBe("hit");
    expect(await second.json()).toEqual(await first.json());
    expect(second.headers.get("vary")).toBe(first.headers.get("vary"));
    expect(shop.runs.list).toBe(1);
  });

  for (const [name, headers] of [
    ["trpc-accept: application/jsonl", { "trpc-accept": "application/jsonl" }],
    ["Accept: application/jsonl", { accept: "text/html, application/jsonl" }],
  ] as const) {
    it(`never stores the JSONL stream a ${name} request gets, so later plain clients still get JSON`, async () => {
      const stream = await get("/api/product/trpc/list?batch=1", headers);
      expect(await stream.text()).toContain("\n"); // the stream, one JSON value per line
      expect(stream.headers.get("x-cache")).toBeNull();

      const plain = await get("/api/product/trpc/list?batch=1");
      expect(plain.headers.get("x-cache")).toBe("miss");
      expect(await plain.json()).toEqual([{ result: { data: { items: ["kettle", "teapot"] } } }]);
    });

    it(`never serves stored JSON to a ${name} request`, async () => {
      await get("/api/product/trpc/list?batch=1");
      const stream = await get("/api/product/trpc/list?batch=1", headers);
      expect(stream.headers.get("x-cache")).toBeNull();
      expect((await stream.text()).trim().split("\n").length).toBeGreaterThan(1);
    });
  }

  it("steps aside for any trpc-accept value and for a GET that names a body type", async () => {
    await get("/api/product/trpc/list");
    expect(
      (await get("/api/product/trpc/list", { "trpc-accept": "application/json" })).headers.get("x-cache"),
    ).toBeNull();
    expect(
      (await get("/api/product/trpc/list", { "content-type": "application/json" })).headers.get("x-cache"),
    ).toBeNull();
  });

  it("keys by what tRPC reads: the decoded path, batch or not, and the input", async () => {
    const input = encodeURIComponent(JSON.stringify({ 0: { limit: 2 } }));
    await get(`/api/product/trpc/list?batch=1&input=${input}`);
    // The same request written differently is the same answer.
    expect((await get(`/api/product/trpc/li%73t?input=${input}&batch=1`)).headers.get("x-cache")).toBe("hit");
    expect((await get(`/api/product/trpc/list?b%61tch=1&input=${input}`)).headers.get("x-cache")).toBe("hit");
    expect((await get(`/api/product/trpc/list?batch=1&&input=${input}&`)).headers.get("x-cache")).toBe("hit");
    // A single call is a different shape from a batch of one.
    const single = await get(`/api/product/trpc/list?input=${input}`);
    expect(single.headers.get("x-cache")).toBe("miss");
    expect(Array.isArray(await single.json())).toBe(false);
    // Another input is another answer.
    expect((await get("/api/product/trpc/list?batch=1")).headers.get("x-cache")).toBe("miss");
  });

  it("passes through parameters the key does not cover, and repeated ones", async () => {
    await get("/api/product/trpc/list");
    for (const query of [
      "?connectionParams=%7B%7D",
      "?lastEventId=1",
      "?utm_source=x",
      "?input=&input=%7B%7D",
    ]) {
      const res = await get(`/api/product/trpc/list${query}`);
      expect(res.headers.get("x-cache")).toBeNull();
    }
  });

  it("caches a batch only when every procedure in it is cacheable, and never an error", async () => {
    expect((await get("/api/product/trpc/list,categories?batch=1")).headers.get("x-cache")).toBe("miss");
    expect((await get("/api/product/trpc/list,categories?batch=1")).headers.get("x-cache")).toBe("hit");
    expect((await get("/api/product/trpc/list,nope?batch=1")).headers.get("x-cache")).toBeNull();
    expect((await get("/api/product/trpc/list?input=%7Bnot-json")).status).toBe(400);
    expect((await get("/api/product/trpc/list?input=%7Bnot-json")).headers.get("x-cache")).toBeNull();
  });
});

describe("the response cache's early answers (before any middleware)", () => {
  const options = {
    cache: memoryCache(),
    ttlMs: 60_000,
    paths: ["/api/product/trpc/list"],
    generation: () => "g1",
    maxBatchSize: 2,
  };
  const request = (path: string, init?: RequestInit) => new Request(`http://shop.test${path}`, init);

  it("finds what the middleware stored, and says miss for what it did not", async () => {
    const cached = responseCache(options);
    const hono = new Hono().use("/api/*", cached);
    hono.get("/api/product/trpc/list", (c) => c.json({ result: { data: ["kettle"] } }));
    await hono.request("http://shop.test/api/product/trpc/list?input=%7B%7D");

    const hit = await cached.early(request("/api/product/trpc/list?input=%7B%7D"));
    expect(hit?.answer).toMatchObject({ body: '{"result":{"data":["kettle"]}}', vary: "" });
    expect(await hit?.answer?.bytes.text()).toBe(hit?.answer?.body);
    expect(hit?.path).toBe("/api/product/trpc/list");
    expect((await cached.early(request("/api/product/trpc/list")))?.answer).toBeNull();
  });

  it("leaves to the middleware chain every request it may not answer that early", () => {
    const cached = responseCache(options);
    for (const [path, init] of [
      ["/api/product/trpc/list", { method: "POST", body: "{}" }],
      ["/api/product/trpc/list", { method: "HEAD" }],
      ["/api/product/trpc/li%73t", {}], // a path Hono decodes: the chain's answer
      ["/api/product/trpc/list,list,list?batch=1", {}], // more calls than the host allows
      ["/api/product/trpc/other", {}],
      ["/api/product/trpc/list?utm_source=x", {}],
      ["/api/product/trpc/list", { headers: { "trpc-accept": "application/jsonl" } }],
      ["/api/product/trpc/list", { headers: { "content-length": "10" } }],
    ] as const)
      expect({ path, init, early: cached.early(request(path, init)) }).toEqual({ path, init, early: null });
  });
});

describe("what the response cache stores", () => {
  const respondWith = (response: () => Response) => {
    const { hono } = app({ handler: response });
    return async () => {
      await hono.request("http://shop.test/api/product/trpc/list");
      return (await hono.request("http://shop.test/api/product/trpc/list")).headers.get("x-cache");
    };
  };
  const json = (headers: Record<string, string>) => () =>
    new Response('{"result":{"data":1}}', { headers: { "content-type": "application/json", ...headers } });

  it("stores a plain JSON 200 that varies only on the headers it pins", async () => {
    expect(await respondWith(json({ vary: "trpc-accept, accept" }))()).toBe("hit");
  });

  it("never stores a 200 that is not JSON, even for a plain request", async () => {
    expect(
      await respondWith(() => new Response("a\nb", { headers: { "content-type": "application/jsonl" } }))(),
    ).toBeNull();
    expect(
      await respondWith(() => new Response("<p>", { headers: { "content-type": "text/html" } }))(),
    ).toBeNull();
  });

  it("never stores a response that varies on a header the key does not pin", async () => {
    expect(await respondWith(json({ vary: "accept, cookie" }))()).toBeNull();
    expect(await respondWith(json({ vary: "*" }))()).toBeNull();
  });

  it("never stores a response that sets a cookie or says no-store or private", async () => {
    expect(await respondWith(json({ "set-cookie": "a=1" }))()).toBeNull();
    expect(await respondWith(json({ "cache-control": "no-store" }))()).toBeNull();
    expect(await respondWith(json({ "cache-control": "private, max-age=60" }))()).toBeNull();
  });
});

describe("the response cache with a freshened procedure", () => {
  /** `shelf` answers a stored part (`name`) and a live one (`left`), which `freshen` keeps current. */
  function shelfApp() {
    const t = initTRPC.create();
    const state = { left: 5, runs: 0, applied: 0, failFreshen: false };
    const router = t.router({
      shelf: t.procedure.query(() => {
        state.runs++;
        return { name: "kettle", left: state.left };
      }),
      categories: t.procedure.query(() => ["coffee-tea"]),
    });
    const hono = new Hono();
    hono.use(
      "/api/*",
      responseCache({
        cache: memoryCache(),
        ttlMs: 60_000,
        paths: ["/api/product/trpc/shelf", "/api/product/trpc/categories"],
        generation: async () => "g1",
        freshen: {
          "/api/product/trpc/shelf": {
            version: () => {
              if (state.failFreshen) throw new Error("stock store away");
              return `left ${state.left}`;
            },
            apply: async (data) => {
              state.applied++;
              return { ...(data as object), left: state.left };
            },
          },
        },
      }),
    );
    hono.all("/api/product/trpc/*", (c) =>
      fetchRequestHandler({ endpoint: "/api/product/trpc", req: c.req.raw, router }),
    );
    const get = (path: string) => hono.request(`http://shop.test${path}`);
    return { get, state };
  }

  it("serves a stored answer as a hit with its live part as it is now, without running the procedure", async () => {
    const { get, state } = shelfApp();
    expect((await get("/api/product/trpc/shelf")).headers.get("x-cache")).toBe("miss");
    state.left = 4;
    const single = await get("/api/product/trpc/shelf");
    expect(single.headers.get("x-cache")).toBe("hit");
    expect(await single.json()).toEqual({ result: { data: { name: "kettle", left: 4 } } });

    await get("/api/product/trpc/categories,shelf?batch=1");
    state.left = 3;
    const batch = await get("/api/product/trpc/categories,shelf?batch=1");
    expect(batch.headers.get("x-cache")).toBe("hit");
    expect(await batch.json()).toEqual([
      { result: { data: ["coffee-tea"] } },
      { result: { data: { name: "kettle", left: 3 } } },
    ]);
    expect(state.runs).toBe(2);
  });

  it("serves the answer brought up to date last time while its live part's version stays, and brings it up to date when it moves", async () => {
    const { get, state } = shelfApp();
    await get("/api/product/trpc/shelf");
    for (let i = 0; i < 3; i++)
      expect(await (await get("/api/product/trpc/shelf")).json()).toEqual({
        result: { data: { name: "kettle", left: 5 } },
      });
    expect(state.applied).toBe(1);
    state.left = 4;
    expect(await (await get("/api/product/trpc/shelf")).json()).toEqual({
      result: { data: { name: "kettle", left: 4 } },
    });
    expect(await (await get("/api/product/trpc/shelf")).json()).toEqual({
      result: { data: { name: "kettle", left: 4 } },
    });
    expect(state.applied).toBe(2);
    expect(state.runs).toBe(1);
  });

  it("answers afresh when the live part cannot be read, and hits again once it can", async () => {
    const { get, state } = shelfApp();
    await get("/api/product/trpc/shelf");
    state.failFreshen = true;
    state.left = 2;
    const fresh = await get("/api/product/trpc/shelf");
    expect(fresh.headers.get("x-cache")).toBe("miss");
    expect(await fresh.json()).toEqual({ result: { data: { name: "kettle", left: 2 } } });
    expect(state.runs).toBe(2);

    state.failFreshen = false;
    expect((await get("/api/product/trpc/shelf")).headers.get("x-cache")).toBe("hit");
  });
});
