/**
 * The e2e suites drive fastr the way a user runs it: `bun shapes/embedded/main.ts` and the package
 * scripts as real child processes on 127.0.0.1, talked to over real HTTP. Every process started here
 * is tracked and stopped by its PID (`stopAll` in each file's afterAll); every wait is bounded.
 */

import { cpSync, mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join, resolve } from "node:path";
import type { Subprocess } from "bun";
import { variablesOf } from "../../platform/config.ts";
import { openPglite } from "../../platform/db/pglite.ts";
import { silentLogger } from "../../platform/log.ts";
import { createFastrClient } from "../../routers/client.ts";
import { seedCatalog } from "../../services/product/seed/index.ts";
import { embeddedPorts } from "../../shapes/embedded/ports.ts";
import { createShop, readShopConfig, shopConfigFragments } from "../../shapes/embedded/shop.ts";
import { freePort, waitFor } from "../support/binaries.ts";
import { migratedDatabase } from "../support/migrated-database.ts";

/** The repository root: where `bun start` and `bun run …` are run from. */
export const ROOT = resolve(import.meta.dir, "../..");
/** The Bun running the tests (the same 1.4.5 a user runs). */
const BUN = process.execPath;

const configVariables = new Set(shopConfigFragments.flatMap(variablesOf));

/** The runner's environment without any fastr configuration, plus `extra`. */
export function childEnv(extra: Record<string, string>): Record<string, string> {
  const env: Record<string, string> = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (value !== undefined && !configVariables.has(key)) env[key] = value;
  }
  return { ...env, LOG_LEVEL: "warn", ...extra };
}

// ---- temporary data directories -------------------------------------------------------------

const dirs = new Set<string>();

/** A new empty directory under the system temp dir, removed by `cleanup()`. */
export function tempDir(label = "data"): string {
  const dir = mkdtempSync(join(tmpdir(), `fastr-e2e-${label}-`));
  dirs.add(dir);
  return dir;
}

/**
 * A data directory as `bun start` leaves its first start: migrated, and (`seed`) the demo catalog
 * seeded. Made in this process, from the test shops' migrated database and through the product
 * service as `bun start` seeds: the first start on an empty directory is start.test.ts's to prove, and
 * costs a new process ~7 s of CPU (PGlite's initdb, the migrations, the seeding).
 * @example const shop = await startShop({ dataDir: await startedDataDir("crash", { seed: true }) });
 */
export async function startedDataDir(label: string, { seed }: { seed: boolean }): Promise<string> {
  const dir = tempDir(label);
  const db = await openPglite(join(dir, "pgdata"), { from: await migratedDatabase() });
  const embedded = await embeddedPorts({ log: silentLogger, db });
  try {
    const shop = await createShop(readShopConfig({ LOG_LEVEL: "silent" }), embedded.ports, {
      periodicJobs: false,
    });
    if (seed) await seedCatalog(shop.services.product);
    await shop.close();
  } finally {
    await embedded.close();
  }
  return dir;
}

/** A copy of a stopped shop's data directory (`cp -r`): a fresh-but-seeded shop without seeding again. */
export function copyDataDir(from: string, label = "copy"): string {
  const dir = tempDir(label);
  cpSync(from, dir, { recursive: true });
  return dir;
}

// ---- processes --------------------------------------------------------------------------------

const running = new Set<Subprocess>();

/** Keeps appending a child's output to `sink.text` until the stream ends. */
function collect(stream: ReadableStream<Uint8Array>, sink: { text: string }) {
  return (async () => {
    const decoder = new TextDecoder();
    for await (const chunk of stream) sink.text += decoder.decode(chunk, { stream: true });
    sink.text += decoder.decode();
  })().catch(() => {});
}

/** Resolves with the process's exit, or null when it is still running after `ms`. */
export async function exitWithin(proc: Subprocess, ms: number) {
  const result = await Promise.race([proc.exited.then(() => "exited" as const), Bun.sleep(ms)]);
  return result === "exited" ? { exitCode: proc.exitCode, signalCode: proc.signalCode } : null;
}

const alive = (proc: Subprocess) => proc.exitCode === null && proc.signalCode === null;

/**
 * Stops a process by PID: SIGTERM, up to `graceMs` to exit, then SIGKILL.
 * Returns how it ended and whether it needed the SIGKILL.
 */
export async function stopProcess(proc: Subprocess, graceMs = 10_000) {
  let forced = false;
  if (alive(proc)) {
    try {
      process.kill(proc.pid, "SIGTERM");
    } catch {}
    if (!(await exitWithin(proc, graceMs))) {
      forced = true;
      try {
        process.kill(proc.pid, "SIGKILL");
      } catch {}
      await exitWithin(proc, 5_000);
    }
  }
  running.delete(proc);
  return { exitCode: proc.exitCode, signalCode: proc.signalCode, forced };
}

/** Every process this file started that is still running, stopped by PID (for afterAll). */
export async function stopAll() {
  await Promise.all([...running].map((proc) => stopProcess(proc, 5_000)));
}

/** Removes every temporary directory (for afterAll, after `stopAll`). */
export function cleanup() {
  for (const dir of dirs) rmSync(dir, { recursive: true, force: true });
  dirs.clear();
}

/**
 * `bun <args>` from the repository root, tracked for `stopAll`, its output collected as it comes;
 * `done` settles once both streams have ended.
 */
function spawnBun(args: string[], env: Record<string, string>) {
  const proc = Bun.spawn([BUN, ...args], {
    cwd: ROOT,
    env: childEnv(env),
    stdin: "ignore",
    stdout: "pipe",
    stderr: "pipe",
  });
  running.add(proc);
  const stdout = { text: "" };
  const stderr = { text: "" };
  const done = Promise.all([collect(proc.stdout, stdout), collect(proc.stderr, stderr)]);
  return { proc, stdout, stderr, done };
}

// ---- the shop -------------------------------------------------------------------------------

export type ShopProcess = Awaited<ReturnType<typeof startShop>>;

/**
 * `bun start` on a free loopback port: waits (bounded) for the URL line and a 200 from /healthz.
 * @example const shop = await startShop({ dataDir }); await shop.client().product.categories.query(); await shop.stop();
 */
export async function startShop(options: {
  dataDir: string;
  env?: Record<string, string>;
  timeoutMs?: number;
}) {
  const port = freePort();
  const started = performance.now();
  const { proc, stdout, stderr } = spawnBun(["shapes/embedded/main.ts"], {
    PORT: String(port),
    HOST: "127.0.0.1",
    FASTR_DATA_DIR: options.dataDir,
    // Every test client signs up from 127.0.0.1 (the drain test sends 40 at once).
    SIGNUP_LIMIT: "1000",
    ...options.env,
  });

  const url = `http://127.0.0.1:${port}`;
  const timeoutMs = options.timeoutMs ?? 30_000;
  try {
    await waitFor(
      `the shop on port ${port} to print its URL`,
      async () => {
        if (!alive(proc)) throw new Error("exited");
        return /running at http:\/\/\S+/.test(stdout.text);
      },
      timeoutMs,
    );
    await waitFor(`GET ${url}/healthz`, async () => (await fetch(`${url}/healthz`)).ok, 5_000);
  } catch (error) {
    await stopProcess(proc, 2_000);
    throw new Error(
      `bun start did not come up (${(error as Error).message}); exit ${proc.exitCode} signal ${proc.signalCode}\n--- stdout\n${stdout.text}\n--- stderr\n${stderr.text}`,
    );
  }
  const readyMs = Math.round(performance.now() - started);

  return {
    proc,
    pid: proc.pid,
    port,
    url,
    /** Milliseconds from spawn to the first 200 from /healthz. */
    readyMs,
    get stdout() {
      return stdout.text;
    },
    get stderr() {
      return stderr.text;
    },
    /** A typed client; with a token it signs in by Bearer header. */
    client: (token?: string) =>
      createFastrClient({ baseUrl: url, headers: token ? { authorization: `Bearer ${token}` } : {} }),
    fetch: (path: string, init?: RequestInit) => fetch(`${url}${path}`, init),
    /** SIGTERM by PID and a bounded wait for the exit. */
    stop: (graceMs = 10_000) => stopProcess(proc, graceMs),
  };
}

/**
 * `bun <args>` from the repository root (e.g. `run staff:create -- …`), with a bounded wait.
 * @example const { exitCode, stdout } = await runBun(["run", "reset"], { FASTR_DATA_DIR: dir });
 */
export async function runBun(args: string[], env: Record<string, string>, timeoutMs = 30_000) {
  const { proc, stdout, stderr, done } = spawnBun(args, env);
  if (!(await exitWithin(proc, timeoutMs))) {
    await stopProcess(proc, 2_000);
    throw new Error(
      `bun ${args.join(" ")} did not finish within ${timeoutMs} ms\n${stdout.text}\n${stderr.text}`,
    );
  }
  running.delete(proc);
  await Promise.race([done, Bun.sleep(1_000)]);
  return { exitCode: proc.exitCode, signalCode: proc.signalCode, stdout: stdout.text, stderr: stderr.text };
}

/** `POST /api/<service>/trpc/<procedure>` with a raw tRPC body, as any HTTP client would send it. */
export const postMutation = (
  url: string,
  path: string,
  input: unknown,
  headers: Record<string, string> = {},
) =>
  fetch(`${url}/api/${path.replace(".", "/trpc/")}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...headers },
    body: JSON.stringify({ json: input }),
  });
