import { describe } from "bun:test";
import { existsSync } from "node:fs";

/**
 * Finds a system binary a suite needs. Locally a missing binary skips the suite with a notice;
 * under CI=true it fails, so a green CI always means the real thing ran.
 * @example const redis = findBinary("redis-server", ["/usr/bin/redis-server"]);
 */
export function findBinary(name: string, candidates: readonly string[] = []): string | null {
  for (const path of candidates) if (existsSync(path)) return path;
  return Bun.which(name);
}

/** `describe` when every binary is there; otherwise a skip (locally) or a failing suite (CI). */
export function describeWith(binaries: Record<string, string | null>, title: string, body: () => void) {
  const missing = Object.entries(binaries)
    .filter(([, path]) => !path)
    .map(([name]) => name);
  if (missing.length === 0) return describe(title, body);
  const notice = `${title}: needs ${missing.join(", ")} (install with apt-get; .ci/run does)`;
  if (process.env.CI === "true") {
    return describe(title, () => {
      throw new Error(`${notice} — missing under CI=true`);
    });
  }
  console.warn(`SKIPPED ${notice}`);
  return describe.skip(title, body);
}

/** A free TCP port on 127.0.0.1, found by letting the OS pick one. */
export function freePort(): number {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

/** Polls `probe` until it resolves truthy or `timeoutMs` passes. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}
