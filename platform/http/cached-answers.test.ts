import { describe, expect, it } from "bun:test";
import { initTRPC } from "@trpc/server";
import { z } from "zod";
import { memoryCache } from "../cache/memory.ts";
import type { Cache } from "../cache/port.ts";
import { type Logger, silentLogger } from "../log.ts";
import { createHost } from "./host.ts";

const FRONT_END = "http://front.test";
const LIST = "/api/product/trpc/list";
const BATCH = "/api/product/trpc/list,categories?batch=1";

/** A host with cached catalog queries; `lines` collects its request log lines. */
function shopHost({ corsOrigins = [] as string[], maxBatchSize = 10, cache = memoryCache() as Cache } = {}) {
  const t = initTRPC.create();
  const lines: Record<string, unknown>[] = [];
  const quiet = () => {};
  const log: Logger = {
    debug: quiet,
    warn: quiet,
    error: quiet,
    info: quiet,
    request: (line) => lines.push(line),
  };
  const host = createHost({
    routers: {
      product: t.router({
        list: t.procedure.query(() => ({ items: ["kettle — 1 ℓ, ´émaillé´"] })),
        categories: t.procedure.query(() => ["coffee-tea"]),
      }),
    },
    createContext: () => ({}),
    log,
    maxBodyBytes: 1024,
    maxBatchSize,
    trustProxy: false,
    corsOrigins,
    ready: async () => {},
    responseCache: {
      cache,
      ttlMs: 60_000,
      paths: [LIST, "/api/product/trpc/categories"],
      generation: () => "g1",
    },
  });
  return { ...host, lines };
}

/**
 * The same cached answer twice: once as the host answers it before its middleware, once through the
 * whole chain (a percent-encoded path, which the early answer leaves to the chain, is the same key).
 */
async function earlyAndThroughTheChain(host: ReturnType<typeof shopHost>, path: string, headers = {}) {
  const request = (p: string) => host.app.request(p, { headers: { "x-request-id": "same-id", ...headers } });
  expect((await request(path)).headers.get("x-cache")).toBe("miss");
  const early = await request(path);
  const chain = await request(path.replace("/list", "/li%73t"));
  return { early, chain };
}

const headersOf = (res: Response) => [...res.headers.entries()].sort(([a], [b]) => a.localeCompare(b));

describe("cached catalog answers served before the middleware chain", () => {
  for (const corsOrigins of [[], [FRONT_END]]) {
    for (const origin of [undefined, FRONT_END, "http://elsewhere.test"]) {
      it(`carry exactly the chain's headers (CORS for ${corsOrigins.length ? "the front end" : "nobody"}, ${origin ? `Origin ${origin}` : "no Origin"})`, async () => {
        for (const path of [LIST, BATCH]) {
          const host = shopHost({ corsOrigins });
          const { early, chain } = await earlyAndThroughTheChain(host, path, origin ? { origin } : {});
          expect(early.status).toBe(200);
          expect(early.headers.get("x-cache")).toBe("hit");
          expect(headersOf(early)).toEqual(headersOf(chain));
          expect(await early.text()).toBe(await chain.text());
        }
      });
    }
  }

  it("carry each request's own CORS answer when origins alternate on one stored answer", async () => {
    const host = shopHost({ corsOrigins: [FRONT_END] });
    const request = (path: string, origin?: string) =>
      host.app.request(path, { headers: { "x-request-id": "same-id", ...(origin && { origin }) } });
    expect((await request(LIST)).headers.get("x-cache")).toBe("miss");
    for (const origin of [FRONT_END, undefined, "http://elsewhere.test", FRONT_END, undefined]) {
      const early = await request(LIST, origin);
      const chain = await request(LIST.replace("/list", "/li%73t"), origin);
      expect(early.headers.get("x-cache")).toBe("hit");
      expect(headersOf(early)).toEqual(headersOf(chain));
      expect(await early.text()).toBe(await chain.text());
    }
  });

  it("are logged as the chain logs them", async () => {
    const host = shopHost();
    await earlyAndThroughTheChain(host, LIST);
    const [, early, chain] = host.lines.map(({ ms, ...line }) => line);
    expect(early).toEqual({ requestId: "same-id", method: "GET", path: LIST, status: 200 });
    expect(chain).toEqual(early); // Hono logs the decoded path
  });

  it("close their connection while the host drains, as every answer then does", async () => {
    const host = shopHost();
    await host.app.request(LIST);
    host.drain();
    const early = await host.app.request(LIST);
    expect(early.headers.get("x-cache")).toBe("hit");
    expect(early.headers.get("connection")).toBe("close");
  });

  it("never answer a batch the host refuses, even one stored while a larger batch was allowed", async () => {
    const cache = memoryCache();
    const fourCalls = "/api/product/trpc/list,list,list,list?batch=1";
    expect((await shopHost({ cache }).app.request(fourCalls)).headers.get("x-cache")).toBe("miss");

    const refused = await shopHost({ cache, maxBatchSize: 3 }).app.request(fourCalls);
    expect(refused.status).toBe(400);
    const { error } = (await refused.json()) as { error: { json: { message: string } } };
    expect(error.json.message).toContain("at most 3");
  });
});

describe("cached catalog answers held from the last request of the same URL", () => {
  const SHELF = "/api/product/trpc/shelf";
  /** A host whose `shelf` has a stored part (`name`) and a live one (`left`), and a generation to move. */
  function shelfHost({ cache = memoryCache() as Cache } = {}) {
    const t = initTRPC.create();
    const state = { generation: "g1", name: "kettle", left: 5, runs: 0, failFreshen: false };
    const host = createHost({
      routers: {
        product: t.router({
          shelf: t.procedure.query(() => {
            state.runs++;
            return { name: state.name, left: state.left };
          }),
          other: t.procedure.input(z.number()).query(({ input }) => input),
        }),
      },
      createContext: () => ({}),
      log: silentLogger,
      maxBodyBytes: 1024,
      trustProxy: false,
      ready: async () => {},
      responseCache: {
        cache,
        ttlMs: 60_000,
        paths: [SHELF, "/api/product/trpc/other"],
        // A caller who wrote (x-fastr-lsn) is shown the generation after its write.
        generation: (minLsn) => (minLsn ? `${state.generation}+written` : state.generation),
        freshen: {
          [SHELF]: {
            version: () => {
              if (state.failFreshen) throw new Error("stock store away");
              return `left ${state.left}`;
            },
            apply: async (data) => ({ ...(data as object), left: state.left }),
          },
        },
      },
    });
    const get = async (headers: Record<string, string> = {}) => {
      const res = await host.app.request(`http://shop.test${SHELF}`, { headers });
      return {
        cache: res.headers.get("x-cache"),
        data: ((await res.json()) as { result: { data: unknown } }).result.data,
      };
    };
    return { host, state, get };
  }

  it("are looked up again once the cache drops entries: a held copy never outlives the cache's bounds", async () => {
    const { host, state, get } = shelfHost({ cache: memoryCache({ maxEntries: 2 }) });
    await get();
    expect((await get()).cache).toBe("hit");
    // Two other answers stored: the shelf's is evicted to make room.
    for (const n of [1, 2]) await host.app.request(`http://shop.test/api/product/trpc/other?input=${n}`);
    expect(await get()).toEqual({ cache: "miss", data: { name: "kettle", left: 5 } });
    expect(state.runs).toBe(2);
  });

  it("are answered at once, without a promise, while nothing they show has moved", async () => {
    const { host, state, get } = shelfHost();
    await get();
    await get();
    const answer = host.app.fetch(new Request(`http://shop.test${SHELF}`));
    expect(answer).toBeInstanceOf(Response);
    expect(await (answer as Response).json()).toEqual({ result: { data: { name: "kettle", left: 5 } } });
    expect(state.runs).toBe(1);
  });

  it("follow the catalog's generation and the live part's version", async () => {
    const { state, get } = shelfHost();
    await get();
    await get();
    state.left = 4;
    expect(await get()).toEqual({ cache: "hit", data: { name: "kettle", left: 4 } });
    state.name = "teapot";
    state.generation = "g2";
    expect(await get()).toEqual({ cache: "miss", data: { name: "teapot", left: 4 } });
    expect(await get()).toEqual({ cache: "hit", data: { name: "teapot", left: 4 } });
  });

  it("are never given to a caller carrying a write position, who is shown what it wrote", async () => {
    const { state, get } = shelfHost();
    await get();
    await get();
    state.name = "teapot"; // written, and not yet known to this process's generation
    expect(await get({ "x-fastr-lsn": "0/3000060" })).toEqual({
      cache: "miss",
      data: { name: "teapot", left: 5 },
    });
    expect(await get()).toEqual({ cache: "hit", data: { name: "kettle", left: 5 } });
  });

  it("are answered afresh when the live part cannot be read, never with an error", async () => {
    const { state, get } = shelfHost();
    await get();
    await get();
    state.failFreshen = true;
    state.left = 2;
    expect(await get()).toEqual({ cache: "miss", data: { name: "kettle", left: 2 } });
  });
});
