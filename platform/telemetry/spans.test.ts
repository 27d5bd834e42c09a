/**
 * Leaf spans (a SQL statement, a Redis command): children of whatever is traced, ended when their
 * work settles, failed when it fails, and never the current span while it runs (ADR 179).
 */
import { afterAll, beforeAll, expect, it } from "bun:test";
import { context, SpanKind, SpanStatusCode, trace } from "@opentelemetry/api";
import { AsyncLocalStorageContextManager } from "@opentelemetry/context-async-hooks";
import { InMemorySpanExporter, SimpleSpanProcessor, TracerProvider } from "@opentelemetry/sdk-trace";
import { setTracer, traced, tracedLeaf } from "./spans.ts";

const exporter = new InMemorySpanExporter();
const provider = new TracerProvider({ spanProcessors: [new SimpleSpanProcessor({ exporter })] });
const leaf = { kind: SpanKind.CLIENT };

beforeAll(() => {
  context.setGlobalContextManager(new AsyncLocalStorageContextManager().enable());
  setTracer(provider.getTracer("test"), undefined);
});
afterAll(async () => {
  setTracer(undefined, undefined);
  context.disable();
  await provider.shutdown();
});

const ended = async () => {
  await provider.forceFlush();
  const spans = exporter.getFinishedSpans();
  exporter.reset();
  return spans;
};

it("is a child of the current span, ended when its work settles, and not made current", async () => {
  let currentInside: string | undefined;
  const parentId = await traced("request", { kind: SpanKind.SERVER }, async (parent) => {
    await tracedLeaf("SELECT cart.carts", leaf, async () => {
      currentInside = trace.getSpan(context.active())?.spanContext().spanId;
      return 1;
    });
    return parent?.spanContext().spanId;
  });
  const spans = await ended();
  const statement = spans.find((s) => s.name === "SELECT cart.carts")!;
  expect(statement.parentSpanContext?.spanId).toBe(parentId);
  expect(statement.status.code).toBe(SpanStatusCode.UNSET);
  expect(currentInside).toBe(parentId);
});

it("fails with the work, whether it rejects or throws before it starts, and the caller sees the rejection", async () => {
  const outcomes = await traced("request", { kind: SpanKind.SERVER }, async () =>
    Promise.allSettled([
      tracedLeaf("rejects", leaf, async () => {
        throw new Error("deadlock detected");
      }),
      tracedLeaf("throws", leaf, () => {
        throw new Error("not connected");
      }),
    ]),
  );
  expect(outcomes.map((o) => o.status)).toEqual(["rejected", "rejected"]);
  const spans = await ended();
  for (const name of ["rejects", "throws"])
    expect(spans.find((s) => s.name === name)?.status.code).toBe(SpanStatusCode.ERROR);
});

it("makes no span outside anything traced (start-up, background polls)", async () => {
  expect(await tracedLeaf("SELECT 1", leaf, async () => "done")).toBe("done");
  expect(await ended()).toEqual([]);
});
