/**
 * The PGlite of `openPgliteWorker`, in a Bun Worker: it opens the database when asked, then runs the
 * statements the main thread sends (a call each, answered by its id) through the statements it keeps
 * prepared (ADR 152). A transaction stays open here, holding PGlite's transaction lock, from `begin`
 * to `end`: statements sent outside it wait, as they would in the main thread (ADR 182).
 */
import { readlinkSync } from "node:fs";
import { setPriority } from "node:os";
import type { PGlite, QueryOptions } from "@electric-sql/pglite";
import { type PgliteSource, startPglite } from "./pglite-client.ts";
import { type PreparedQuery, preparedStatements } from "./pglite-prepared.ts";
import { answerCalls } from "./worker-calls.ts";

/** What the main thread asks. `id` names the answer; `tx` the open transaction a statement belongs to. */
export type PgliteCall = { id: number } & (
  | { op: "open"; source: PgliteSource; nice: number }
  | { op: "query"; text: string; params: unknown[]; options?: QueryOptions; tx?: number }
  | { op: "begin" }
  | { op: "end"; tx: number; commit: boolean }
  | { op: "dump" }
  | { op: "close" }
);

/** Thrown into PGlite's transaction to roll it back: the main thread's callback already failed. */
const ROLLBACK = Symbol("rollback");

let client: PGlite | undefined;
let statements: ReturnType<typeof preparedStatements> | undefined;
let transactions = 0;
/** The open transactions: how to run a statement in each, and how to end it. */
const open = new Map<number, { query: PreparedQuery; end(commit: boolean): void; ended: Promise<void> }>();

/**
 * Opens a transaction and keeps it open until `end` says commit or roll back: answers with its
 * number once BEGIN has run.
 */
async function begin(db: PGlite, kept: ReturnType<typeof preparedStatements>): Promise<number> {
  const tx = ++transactions;
  const { promise: began, resolve: started } = Promise.withResolvers<PreparedQuery>();
  const { promise: decided, resolve: end } = Promise.withResolvers<boolean>();
  const ended = db
    .transaction(async (handle) => {
      started(kept.inTransaction(handle));
      if (!(await decided)) throw ROLLBACK;
    })
    .then(
      () => {},
      (error) => {
        if (error !== ROLLBACK) throw error;
      },
    )
    .finally(() => open.delete(tx));
  // A failed BEGIN settles `ended` without the callback ever running.
  const query = await Promise.race([began, ended.then(() => Promise.reject(new Error("BEGIN failed")))]);
  open.set(tx, { query, end, ended });
  return tx;
}

async function handle(request: PgliteCall): Promise<unknown> {
  if (request.op === "open") {
    yieldToRequests(request.nice);
    client = await startPglite(request.source);
    // This thread serves no requests: nothing waits for it to give the event loop a turn.
    statements = preparedStatements(client, { turns: false });
    return null;
  }
  if (!client || !statements) throw new Error("the database is not open");
  switch (request.op) {
    case "query": {
      if (request.tx === undefined) return statements.query(request.text, request.params, request.options);
      const tx = open.get(request.tx);
      if (!tx) throw new Error(`transaction ${request.tx} is not open`);
      return tx.query(request.text, request.params, request.options);
    }
    case "begin":
      return begin(client, statements);
    case "end": {
      const tx = open.get(request.tx);
      if (!tx) throw new Error(`transaction ${request.tx} is not open`);
      tx.end(request.commit);
      await tx.ended;
      return null;
    }
    case "dump":
      return client.dumpDataDir("none");
    case "close":
      await client.close();
      return null;
  }
}

/**
 * Lowers this thread's CPU priority (its Linux nice value) below the request thread's: on a core
 * both want, a cached read then waits less often for a statement's time slice to end (ADR 184).
 * Only Linux lets `setpriority` name one thread; elsewhere, and where /proc is missing, nothing changes.
 */
function yieldToRequests(nice: number) {
  if (nice === 0 || process.platform !== "linux") return;
  try {
    setPriority(Number(readlinkSync("/proc/thread-self").split("/").pop()), nice);
  } catch {
    // A priority is a preference: the database works the same without it.
  }
}

/**
 * `handle`, with this thread's heap collected after many calls: at once in the background (at most
 * once a second) while calls keep coming, and fully once the thread has gone quiet.
 *
 * PGlite's WebAssembly memory (~470 MiB) is most of this heap, and JavaScriptCore lets a heap grow in
 * proportion to its size before it collects on its own: under a steady stream of writes or searches
 * the garbage of their results and messages grew by ~100 MiB a second, to 1.1–1.6 GiB in all, and
 * was freed only once the load stopped (ADR 182, addendum). Seeding leaves hundreds of MiB of garbage
 * too; the main thread's `Bun.gc(true)` does not reach this heap, and an idle heap is never collected.
 */
function collecting(
  run: (request: PgliteCall) => Promise<unknown>,
  { calls = 1_000, busyMs = 1_000, quietMs = 500 } = {},
) {
  let sinceCollected = 0;
  let collectedAt = performance.now();
  let inFlight = 0;
  let quiet: Timer | undefined;
  const collect = (synchronously: boolean) => {
    sinceCollected = 0;
    collectedAt = performance.now();
    Bun.gc(synchronously);
  };
  return async (request: PgliteCall) => {
    inFlight++;
    sinceCollected++;
    clearTimeout(quiet);
    try {
      return await run(request);
    } finally {
      inFlight--;
      if (sinceCollected >= calls) {
        // A full collection here takes 40–80 ms, stopping every statement meanwhile; started in
        // the background it costs this thread ~0.5 ms.
        if (performance.now() - collectedAt >= busyMs) collect(false);
        else if (inFlight === 0) {
          quiet = setTimeout(() => collect(true), quietMs);
          quiet.unref();
        }
      }
    }
  };
}

answerCalls(collecting(handle));
