import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { Hono } from "hono";
import { z } from "zod";
import { DomainError } from "../contracts/errors.ts";
import { internal } from "../contracts/internal.ts";
import type { HostEnv } from "../platform/http/host.ts";
import { mountInternalRoutes } from "../platform/http/internal-routes.ts";
import { signRequest } from "../platform/http/signature.ts";
import { silentLogger } from "../platform/log.ts";
import { freePort } from "../shapes/cluster/child.ts";
import { internalRouter, remoteService } from "./internal.ts";

/** A small stock-keeping API, as a service would expose it to others. */
interface Shelf {
  take(sku: string, quantity: number): Promise<{ left: number; at: Date }>;
  count(sku: string): Promise<number>;
}
const shelfInternal = {
  take: internal(z.tuple([z.string(), z.int().min(1)]), z.object({ left: z.int(), at: z.date() }), {
    idempotent: false,
  }),
  count: internal(z.tuple([z.string()]), z.int(), { idempotent: true }),
};

const secret = "a-test-secret-that-is-long-enough";

function shelfInstance(stock: Map<string, number>, served: string[], name: string) {
  const shelf: Shelf = {
    async take(sku, quantity) {
      served.push(name);
      const left = (stock.get(sku) ?? 0) - quantity;
      if (left < 0)
        throw new DomainError("CONFLICT", "SHELF.SHORT", `only ${stock.get(sku) ?? 0} ${sku} left`, { sku });
      stock.set(sku, left);
      return { left, at: new Date("2026-11-26T10:00:00Z") };
    },
    async count(sku) {
      served.push(name);
      return stock.get(sku) ?? 0;
    },
  };
  const seen = new Set<string>();
  const app = new Hono<HostEnv>();
  app.use(async (c, next) => {
    c.set("requestId", "req-1");
    await next();
  });
  mountInternalRoutes(app, {
    routers: { shelf: internalRouter(shelfInternal, shelf) },
    secret,
    firstUse: async (nonce) => !seen.has(nonce) && Boolean(seen.add(nonce)),
    log: silentLogger,
  });
  return Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
}

describe("service-to-service calls", () => {
  const stock = new Map([["mug", 5]]);
  const served: string[] = [];
  let servers: ReturnType<typeof Bun.serve>[];
  let urls: string[];
  beforeAll(() => {
    servers = [shelfInstance(stock, served, "a"), shelfInstance(stock, served, "b")];
    urls = servers.map((s) => s.url.origin);
  });
  afterAll(() => {
    for (const s of servers) s.stop(true);
  });

  it("calls another instance's API with typed, validated arguments and results", async () => {
    const shelf = remoteService("shelf", shelfInternal, { urls, secret });
    const taken = await shelf.take("mug", 2);
    expect(taken.left).toBe(3);
    expect(taken.at).toEqual(new Date("2026-11-26T10:00:00Z"));
    expect(await shelf.count("mug")).toBe(3);
  });

  it("brings a domain error back with its string code, message and details", async () => {
    const shelf = remoteService("shelf", shelfInternal, { urls, secret });
    const error = await shelf.take("mug", 99).catch((e) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: "CONFLICT", code: "SHELF.SHORT", details: { sku: "mug" } });
    expect(error.message).toMatch(/^only \d+ mug left$/);
  });

  it("refuses arguments the contract does not allow before sending anything", async () => {
    const shelf = remoteService("shelf", shelfInternal, { urls, secret });
    const before = served.length;
    await expect(shelf.take("mug", 0)).rejects.toThrow();
    expect(served.length).toBe(before);
  });

  it("checks a result once, where it is received: one outside the contract fails at the caller with zod's issues", async () => {
    stock.set("half-mug", 0.5); // not the whole number `count` promises
    const shelf = remoteService("shelf", shelfInternal, { urls, secret });
    const error = await shelf.count("half-mug").catch((e) => e);
    expect(error).toBeInstanceOf(z.ZodError);
    expect((error as z.ZodError).issues[0]).toMatchObject({ code: "invalid_type", expected: "int" });
  });

  it("moves a call to the next instance when one is down", async () => {
    const shelf = remoteService("shelf", shelfInternal, {
      urls: [`http://127.0.0.1:${freePort()}`, urls[0]!],
      secret,
    });
    expect(await shelf.count("mug")).toBeGreaterThan(0);
    expect((await shelf.take("mug", 1)).left).toBeGreaterThanOrEqual(0);
  });

  it("refuses calls without the credential, with a forged or stale one, and replays", async () => {
    const path = "/internal/shelf/trpc/count";
    const body = JSON.stringify({ json: ["mug"] });
    const post = (headers: Record<string, string>) =>
      fetch(`${urls[0]}${path}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...headers },
      });
    const signed = signRequest(secret, "POST", path, body);

    expect((await post({})).status).toBe(401);
    expect((await post(signRequest("another-secret-entirely", "POST", path, body))).status).toBe(401);
    expect((await post(signRequest(secret, "POST", path, body, Date.now() - 120_000))).status).toBe(401);
    expect((await post(signRequest(secret, "POST", path, JSON.stringify({ json: ["tea"] })))).status).toBe(
      401,
    );
    expect((await post(signed)).status).toBe(200);
    const replay = await post(signed);
    expect(replay.status).toBe(401);
    expect(await replay.json()).toMatchObject({
      error: { json: { message: "internal credential replayed" } },
    });
  });
});
