import { describe, expect, it } from "bun:test";
import { initTRPC } from "@trpc/server";
import { Hono } from "hono";
import { secureHeaders } from "hono/secure-headers";
import { memoryCache } from "../cache/memory.ts";
import { silentLogger } from "../log.ts";
import { createHost } from "./host.ts";
import { SECURE_HEADERS_OPTIONS, SECURITY_HEADERS } from "./host-headers.ts";

/** What hono's own middleware sends with the shop's options: the reference the precomputed list must match. */
async function honoSecureHeaders() {
  const app = new Hono();
  app.use(secureHeaders(SECURE_HEADERS_OPTIONS));
  app.get("/", (c) => c.text("x"));
  const res = await app.request("/");
  return [...res.headers.entries()].filter(([name]) => name !== "content-type");
}

function shopHost() {
  const t = initTRPC.create();
  const host = createHost({
    routers: {
      product: t.router({ list: t.procedure.query(() => ({ items: ["kettle"] })) }),
    },
    createContext: () => ({}),
    log: silentLogger,
    maxBodyBytes: 1024,
    trustProxy: false,
    ready: async () => {},
    responseCache: {
      cache: memoryCache(),
      ttlMs: 60_000,
      paths: ["/api/product/trpc/list"],
      generation: () => "g1",
    },
  });
  // A route that chose its own policy, as product images do.
  host.app.get("/media/x.jpg", (c) =>
    c.body("jpeg", 200, { "content-type": "image/jpeg", "Cross-Origin-Resource-Policy": "cross-origin" }),
  );
  return host.app;
}

const securityOf = (res: Response) =>
  Object.fromEntries(SECURITY_HEADERS.map(([name]) => [name.toLowerCase(), res.headers.get(name)]));

describe("the host's response headers", () => {
  it("precomputes exactly the security headers hono's secureHeaders sends", async () => {
    const expected = Object.fromEntries(await honoSecureHeaders());
    expect(Object.fromEntries(SECURITY_HEADERS.map(([n, v]) => [n.toLowerCase(), v]))).toEqual(expected);
  });

  it("puts the request id and every security header on health, cached, tRPC, error and 404 answers", async () => {
    const app = shopHost();
    const expected = Object.fromEntries(await honoSecureHeaders());
    const list = "/api/product/trpc/list";
    const responses = {
      health: await app.request("/healthz", { headers: { "x-request-id": "r-health" } }),
      miss: await app.request(list, { headers: { "x-request-id": "r-miss" } }),
      hit: await app.request(list, { headers: { "x-request-id": "r-hit" } }),
      mutation: await app.request("/api/product/trpc/list", {
        method: "POST",
        headers: { "content-type": "text/plain", "x-request-id": "r-415" },
      }),
      notFound: await app.request("/nothing", { headers: { "x-request-id": "r-404" } }),
    };
    expect(responses.miss.headers.get("x-cache")).toBe("miss");
    expect(responses.miss.headers.get("vary")).toBe("trpc-accept, accept"); // tRPC's own, kept
    expect(responses.hit.headers.get("x-cache")).toBe("hit");
    expect(responses.hit.headers.get("content-type")).toBe("application/json");
    expect(await responses.hit.json()).toEqual(await responses.miss.json());
    expect(responses.health.headers.get("content-type")).toBe("application/json");
    expect(await responses.health.json()).toEqual({ status: "ok" });
    for (const [name, res] of Object.entries(responses)) {
      expect({ name, ...securityOf(res) }).toEqual({ name, ...expected });
      expect(res.headers.get("x-request-id")).toBe(
        `r-${{ health: "health", miss: "miss", hit: "hit", mutation: "415", notFound: "404" }[name]}`,
      );
    }
  });

  it("leaves a security header a route chose itself", async () => {
    const res = await shopHost().request("/media/x.jpg");
    expect(res.headers.get("cross-origin-resource-policy")).toBe("cross-origin");
    expect(res.headers.get("x-content-type-options")).toBe("nosniff");
    expect(res.headers.get("x-request-id")).toBeTruthy();
  });
});
