import { describe, expect, it } from "bun:test";
import { initTRPC, TRPCError } from "@trpc/server";
import { parseExposition, total } from "../../test/support/scrape.ts";
import { createHost } from "../http/host.ts";
import { silentLogger } from "../log.ts";
import { createMetrics } from "./registry.ts";
import { mountMetrics } from "./route.ts";

/** A host with one router whose procedures succeed, fail on the caller's side, or fail on ours. */
function hostWithMetrics() {
  const metrics = createMetrics();
  const t = initTRPC.create();
  const router = t.router({
    fine: t.procedure.query(() => "ok"),
    refused: t.procedure.query(() => {
      throw new TRPCError({ code: "CONFLICT", message: "taken" });
    }),
    broken: t.procedure.query(() => {
      throw new Error("a bug");
    }),
  });
  const host = createHost({
    routers: { shelf: router },
    createContext: () => ({}),
    log: silentLogger,
    maxBodyBytes: 1024,
    maxBatchSize: 3,
    trustProxy: false,
    ready: async () => {},
    metrics: metrics.procedures,
  });
  mountMetrics(host.app, metrics);
  const samples = async () => parseExposition(await (await host.app.request("/metrics")).text());
  return { app: host.app, metrics, samples };
}

describe("procedure metrics", () => {
  it("counts a call that failed on the server's side as an error, and a caller's refusal only as a call", async () => {
    const { app, samples } = hostWithMetrics();
    expect((await app.request("/api/shelf/trpc/fine")).status).toBe(200);
    expect((await app.request("/api/shelf/trpc/refused")).status).toBe(409);
    expect((await app.request("/api/shelf/trpc/broken")).status).toBe(500);

    const after = await samples();
    const calls = (procedure: string, code: string) =>
      total(after, "fastr_procedure_calls_total", { service: "shelf", procedure, code });
    const errors = (procedure: string) => total(after, "fastr_procedure_errors_total", { procedure });
    expect([
      calls("fine", "OK"),
      calls("refused", "CONFLICT"),
      calls("broken", "INTERNAL_SERVER_ERROR"),
    ]).toEqual([1, 1, 1]);
    expect([errors("fine"), errors("refused"), errors("broken")]).toEqual([0, 0, 1]);
    expect(total(after, "fastr_procedure_duration_seconds_count", { service: "shelf" })).toBe(3);
  });

  it("counts calls refused before tRPC runs, with the code of the answer they got", async () => {
    const { app, samples } = hostWithMetrics();
    expect((await app.request("/api/shelf/trpc/fine,fine,fine,fine?batch=1")).status).toBe(400);
    expect((await app.request("/api/shelf/trpc/fine", { method: "PUT" })).status).toBe(405);

    const after = await samples();
    expect(total(after, "fastr_procedure_calls_total", { procedure: "fine", code: "BAD_REQUEST" })).toBe(4);
    expect(
      total(after, "fastr_procedure_calls_total", { procedure: "fine", code: "METHOD_NOT_SUPPORTED" }),
    ).toBe(1);
  });
});

describe("gauges read at scrape time", () => {
  it("leave a read that does not answer in time out of the scrape, which still answers at once, and count it", async () => {
    const metrics = createMetrics({ readTimeoutMs: 50 });
    metrics.gauge({
      name: "fastr_test_stuck",
      help: "never answers",
      labelNames: [],
      read: () => new Promise<[]>(() => {}),
    });
    metrics.gauge({
      name: "fastr_test_prompt",
      help: "answers",
      labelNames: ["shelf"],
      read: async () => [{ labels: { shelf: "a" }, value: 7 }],
    });

    const started = performance.now();
    const samples = parseExposition(await metrics.text());
    expect(performance.now() - started).toBeLessThan(1_000);
    expect(total(samples, "fastr_test_prompt", { shelf: "a" })).toBe(7);
    expect(samples.filter((s) => s.name === "fastr_test_stuck")).toEqual([]);
    // Counted while that scrape ran, so the next one reports it.
    const next = parseExposition(await metrics.text());
    expect(total(next, "fastr_metric_read_failures_total", { metric: "fastr_test_stuck" })).toBe(1);
  });

  it("label a service's series with its name", async () => {
    const metrics = createMetrics();
    metrics
      .forService("order")
      .counter({ name: "fastr_test_total", help: "a tally", labelNames: ["kind"] })
      .inc({
        kind: "x",
      });
    expect(
      total(parseExposition(await metrics.text()), "fastr_test_total", { service: "order", kind: "x" }),
    ).toBe(1);
  });
});
