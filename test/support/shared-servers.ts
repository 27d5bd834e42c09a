/**
 * Servers a test process starts once and shares between its test files (the pg target's Postgres,
 * the cluster target's cluster). `test/preload.ts` stops them in a top-level `afterAll`: Bun runs that
 * once at the end of a sequential `bun test`, and after every file under `--parallel`, so a parallel
 * run shares nothing but never leaves a server behind (exit handlers do not run under `bun test`).
 */
type Shared = { started: Promise<unknown>; stop: () => Promise<void> };
const shared = new Map<string, Shared>();

/**
 * The server `name` of this test process: started by `start` on first use, the same one afterwards.
 * @example const pg = await sharedServer("postgres", () => startPostgres(), (pg) => pg.stop());
 */
export function sharedServer<T>(name: string, start: () => Promise<T>, stop: (server: T) => Promise<void>) {
  let entry = shared.get(name);
  if (!entry) {
    const started = start();
    entry = { started, stop: async () => stop(await started) };
    shared.set(name, entry);
    // A failed start is not cached: the next file tries again (and reports its own error).
    started.catch(() => shared.delete(name));
  }
  return entry.started as Promise<T>;
}

/** Stops every shared server this process started. */
export async function stopSharedServers() {
  const entries = [...shared.values()];
  shared.clear();
  await Promise.all(entries.map((e) => e.stop().catch(() => {})));
}
