import { describe } from "bun:test";
import { existsSync } from "node:fs";

export { freePort, waitFor } from "../../shapes/cluster/child.ts";

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
