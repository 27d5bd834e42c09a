import { describe, expect, it } from "bun:test";
import { initTRPC } from "@trpc/server";
import type { Logger } from "../log.ts";
import { createHost } from "./host.ts";

function host(options: Partial<Parameters<typeof createHost>[0]> = {}) {
  const errors: Record<string, unknown>[] = [];
  const requests: Record<string, unknown>[] = [];
  const log: Logger = {
    debug() {},
    info() {},
    request: (line) => requests.push(line),
    warn() {},
    error: (_message, fields) => {
      errors.push(fields ?? {});
    },
  };
  const t = initTRPC.create();
  const created = createHost({
    routers: {
      product: t.router({ list: t.procedure.query(() => [1]), save: t.procedure.mutation(() => 1) }),
    },
    createContext: () => ({}),
    log,
    maxBodyBytes: 1024,
    trustProxy: false,
    ready: async () => {},
    ...options,
  });
  created.app.get("/boom", () => {
    throw new Error("secret internals at db.ts:42");
  });
  return { app: created.app, errors, requests, drain: created.drain };
}

describe("the host", () => {
  it("turns an unhandled error into a tRPC-shaped 500 with the request id, logged with its stack, never sent", async () => {
    const { app, errors } = host();
    const res = await app.request("/boom", { headers: { "x-request-id": "trace-9" } });
    expect(res.status).toBe(500);
    const body = await res.json();
    expect(body.error.json).toMatchObject({
      message: "internal error (request id trace-9)",
      code: -32603,
      data: { code: "INTERNAL_SERVER_ERROR", httpStatus: 500, requestId: "trace-9" },
    });
    expect(JSON.stringify(body)).not.toContain("secret");
    expect(errors[0]).toMatchObject({
      requestId: "trace-9",
      error: expect.objectContaining({ message: expect.stringContaining("secret internals") }),
    });
  });

  it("answers an unknown API path with a tRPC-shaped 404 carrying the request id", async () => {
    const res = await host().app.request("/api/nothing/here");
    expect(res.status).toBe(404);
    expect((await res.json()).error.json.data).toEqual({
      code: "NOT_FOUND",
      httpStatus: 404,
      requestId: res.headers.get("x-request-id"),
    });
  });

  it("answers a body over the limit with 413 before tRPC reads it", async () => {
    const res = await host().app.request("/api/product/trpc/list", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "x".repeat(2048),
    });
    expect(res.status).toBe(413);
    expect((await res.json()).error.json.data).toMatchObject({
      code: "PAYLOAD_TOO_LARGE",
      requestId: expect.any(String),
    });
  });

  it("refuses a batch over the configured size and serves one within it", async () => {
    const { app } = host({ maxBatchSize: 3 });
    expect((await app.request("/api/product/trpc/list,list,list?batch=1")).status).toBe(200);
    const res = await app.request("/api/product/trpc/list,list,list,list?batch=1");
    expect(res.status).toBe(400);
    expect((await res.json()).error.json.message).toContain("at most 3 calls and this one has 4");
  });

  it("answers OPTIONS without CORS when no origin is configured", async () => {
    const res = await host().app.request("/api/product/trpc/list", {
      method: "OPTIONS",
      headers: { origin: "http://localhost:5173", "access-control-request-method": "GET" },
    });
    expect(res.status).toBe(204);
    expect(res.headers.get("allow")).toBe("GET, HEAD, POST, OPTIONS");
    expect(res.headers.get("access-control-allow-origin")).toBeNull();
  });

  it("marks the write-position cookie Secure when the request came over https through a trusted proxy", async () => {
    const { app } = host({ trustProxy: 1, writePosition: async () => "0/16B3748" });
    const save = (proto: string) =>
      app.request("/api/product/trpc/save", {
        method: "POST",
        headers: { "content-type": "application/json", "x-forwarded-proto": proto },
        body: "{}",
      });
    const lsnCookie = async (proto: string) =>
      (await save(proto)).headers.getSetCookie().find((c) => c.startsWith("fastr_lsn=")) ?? "";
    expect(await lsnCookie("https")).toMatch(/^fastr_lsn=0%2F16B3748;.*; Secure/);
    expect(await lsnCookie("http")).toStartWith("fastr_lsn=0%2F16B3748;");
    expect(await lsnCookie("http")).not.toContain("Secure");
  });

  it("closes every connection it answers once draining", async () => {
    const { app, drain } = host();
    expect((await app.request("/healthz")).headers.get("connection")).toBeNull();
    drain();
    const res = await app.request("/healthz");
    expect(res.headers.get("connection")).toBe("close");
    expect((await app.request("/readyz")).status).toBe(503);
  });

  it("answers /healthz with the caller's request id, the security headers and one log line, GET and HEAD alike", async () => {
    const { app, requests } = host();
    const get = await app.request("/healthz?probe=1", { headers: { "x-request-id": "probe-7" } });
    expect(get.status).toBe(200);
    expect(await get.json()).toEqual({ status: "ok" });
    expect(get.headers.get("x-request-id")).toBe("probe-7");
    expect(get.headers.get("x-content-type-options")).toBe("nosniff");
    const head = await app.request("/healthz", { method: "HEAD" });
    expect(head.status).toBe(200);
    expect(head.headers.get("x-request-id")).toMatch(/^[0-9a-f-]{36}$/);
    expect(
      requests.map(({ requestId, method, path, status }) => ({ requestId, method, path, status })),
    ).toEqual([
      { requestId: "probe-7", method: "GET", path: "/healthz", status: 200 },
      { requestId: head.headers.get("x-request-id"), method: "HEAD", path: "/healthz", status: 200 },
    ]);
  });

  it("reads the write position after a public write only, never after a service's internal call", async () => {
    let reads = 0;
    const { app } = host({
      writePosition: async () => {
        reads++;
        return "0/16B3748";
      },
    });
    app.post("/internal/product/trpc/reserve", (c) => c.json({ result: { data: null } }));
    const internal = await app.request("/internal/product/trpc/reserve", { method: "POST" });
    expect(internal.status).toBe(200);
    expect(internal.headers.get("x-fastr-lsn")).toBeNull();
    expect(reads).toBe(0);
    const save = await app.request("/api/product/trpc/save", {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: "{}",
    });
    expect(save.headers.get("x-fastr-lsn")).toBe("0/16B3748");
    expect(reads).toBe(1);
  });
});
