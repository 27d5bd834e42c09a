import { afterAll, beforeAll, expect, it } from "bun:test";
import { Hono } from "hono";
import {
  callerTraceContext,
  type OtlpReceiver,
  startOtlpReceiver,
} from "../../test/support/otlp-receiver.ts";
import { readConfig } from "../config.ts";
import { traceRequest } from "./http.ts";
import { telemetrySettings } from "./settings.ts";
import { startTracing, type Tracing } from "./tracing.ts";

let otlp: OtlpReceiver;
let tracing: Tracing;
beforeAll(() => {
  otlp = startOtlpReceiver();
  const settings = readConfig([telemetrySettings], {
    OTEL_EXPORTER_OTLP_ENDPOINT: otlp.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/json",
    OTEL_BSP_SCHEDULE_DELAY: "600000", // spans leave only when the test flushes
  });
  tracing = startTracing(settings, { service: "fastr", services: ["order", "product"] });
});
afterAll(async () => {
  await tracing.shutdown();
  otlp.close();
});

/** A host in miniature: the tracing middleware, a request id, an API route and a storefront catch-all. */
function app() {
  const app = new Hono<{ Variables: { requestId: string } }>();
  app.use((c, next) => traceRequest(c, new Set(["order", "product"]), next));
  app.use(async (c, next) => {
    c.set("requestId", "req-1");
    await next();
  });
  app.all("/api/order/trpc/*", (c) =>
    c.req.path.endsWith("boom") ? c.text("no", 503) : c.json({ ok: true }),
  );
  app.get("/*", (c) => c.text("storefront"));
  return app;
}

async function serverSpanOf(path: string) {
  const caller = callerTraceContext();
  await app().request(path, { headers: { traceparent: caller.traceparent } });
  await tracing.forceFlush();
  return otlp.trace(caller.traceId).find((s) => s.kind === "server");
}

it("names a request's span after the route that answered it, not a catch-all registered after it", async () => {
  expect(await serverSpanOf("/api/order/trpc/list")).toMatchObject({
    name: "GET /api/order/trpc/*",
    service: "order",
    attributes: {
      "http.route": "/api/order/trpc/*",
      "http.response.status_code": 200,
      "fastr.request_id": "req-1",
    },
  });
  expect(await serverSpanOf("/products/some-shoe")).toMatchObject({ name: "GET /*", service: "fastr" });
});

it("marks a request that ended in a 5xx as failed, with the status as its error type", async () => {
  expect(await serverSpanOf("/api/order/trpc/boom")).toMatchObject({
    attributes: { "http.response.status_code": 503, "error.type": "503" },
  });
});
