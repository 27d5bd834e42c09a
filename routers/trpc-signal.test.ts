/**
 * patches/@trpc%2Fserver gives a single query or mutation its request's own signal instead of one
 * combined with a body-cancel controller per call, and starts every answer's headers from the
 * caller's `baseHeaders` (ADR 180 addendum). A procedure must still learn that its caller left,
 * batched or not; the host's headers on tRPC's answers are held by platform/http/host-headers.test.ts.
 */

import { expect, it } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { initTRPC } from "@trpc/server";
import { fetchRequestHandler } from "@trpc/server/adapters/fetch";

const dist = join(import.meta.dir, "../node_modules/@trpc/server/dist");

it("runs with the patched call signal and base headers (a tRPC upgrade must carry the patches over)", () => {
  const resolver = readdirSync(dist).find((f) => /^resolveResponse-.*\.mjs$/.test(f));
  const source = readFileSync(join(dist, resolver!), "utf8");
  expect(source).toContain("const plainCall =");
  expect(source).toContain("new Headers(opts.baseHeaders ??");
});

/** A router whose one query waits until its signal aborts; `entered` settles once it waits. */
function waitingRouter() {
  const t = initTRPC.create();
  const { promise: entered, resolve: enter } = Promise.withResolvers<void>();
  let seen: AbortSignal | undefined;
  const router = t.router({
    wait: t.procedure.query(async ({ signal }) => {
      seen = signal;
      enter();
      await new Promise((resolve) => signal?.addEventListener("abort", resolve));
      return "left";
    }),
  });
  return { router, entered, seen: () => seen };
}

for (const [kind, path] of [
  ["a single query", "/trpc/wait"],
  ["a batched query", `/trpc/wait?batch=1&input=${encodeURIComponent("{}")}`],
] as const) {
  it(`tells ${kind} that its caller left`, async () => {
    const { router, entered, seen } = waitingRouter();
    const leaving = new AbortController();
    const answering = fetchRequestHandler({
      endpoint: "/trpc",
      req: new Request(`http://127.0.0.1${path}`, { signal: leaving.signal }),
      router,
      createContext: () => ({}),
    });
    await entered;
    expect(seen()?.aborted).toBe(false);
    leaving.abort();
    await answering;
    expect(seen()?.aborted).toBe(true);
  });
}
