import { describe, it } from "bun:test";
import { describeWith } from "./binaries.ts";
import { clusterBinaries } from "./cluster.ts";
import { postgresBinary } from "./postgres.ts";

/**
 * What the shop of a test runs on: the embedded shape on PGlite (the default), the embedded shape on
 * a real Postgres (`pg`), or the distributed shape behind NGINX (`cluster`). `FASTR_TEST_TARGET` picks.
 */
export const targets = ["pglite", "pg", "cluster"] as const;
export type TestTarget = (typeof targets)[number];

function readTarget(value = process.env.FASTR_TEST_TARGET): TestTarget {
  if (!value) return "pglite";
  if ((targets as readonly string[]).includes(value)) return value as TestTarget;
  throw new Error(`FASTR_TEST_TARGET: expected pglite, pg or cluster, got "${value}"`);
}
export const testTarget = readTarget();

/**
 * `FASTR_TEST_SUITES=public` runs only the public-API suites (`describeShop`); the ones that need
 * an embedded shop skip with a notice. The gate's pg pass uses it: those already ran on PGlite.
 */
const publicOnly = process.env.FASTR_TEST_SUITES === "public";

const binariesOf: Record<TestTarget, Record<string, string | null>> = {
  pglite: {},
  pg: { postgres: postgresBinary },
  cluster: clusterBinaries,
};
/** The target in a suite's title, when it is not the default. */
const titled = (title: string) => (testTarget === "pglite" ? title : `${title} [${testTarget}]`);

/**
 * A suite of the public API (`startTestShop`): runs on whichever target `FASTR_TEST_TARGET` names,
 * and skips with a notice (fails under CI=true) when that target's programs are missing.
 * @example describeShop("checkout over HTTP", () => { beforeAll(async () => { shop = await startTestShop(); }); ... });
 */
export function describeShop(title: string, body: () => void) {
  return describeWith(binariesOf[testTarget], titled(title), body);
}

/** Both embedded targets: everything runs in the test's own process. */
export const embeddedTargets = ["pglite", "pg"] as const satisfies readonly TestTarget[];

/** Why a suite or test meant for `where` does not run in this process; null when it does. */
function skipReason(where: readonly TestTarget[], why: string): string | null {
  if (publicOnly) return "FASTR_TEST_SUITES=public runs only the public-API suites";
  return where.includes(testTarget) ? null : `${why}; this is the ${testTarget} target`;
}

/**
 * A suite that needs what only some targets offer (`startEmbeddedShop`: services in the test's
 * process, a fake clock, test knobs, a restart). Elsewhere it is skipped, and says why.
 * @example describeOn(["pglite"], "checkout cost", "counts statements through PGlite's query hook", () => { ... });
 */
export function describeOn(where: readonly TestTarget[], title: string, why: string, body: () => void) {
  const skip = skipReason(where, why);
  if (!skip) return describeWith(binariesOf[testTarget], titled(title), body);
  console.warn(`SKIPPED "${title}": ${skip}`);
  return describe.skip(title, body);
}

/** `describeOn` the embedded targets: skipped on the cluster, saying why. */
export const describeEmbedded = (title: string, why: string, body: () => void) =>
  describeOn(embeddedTargets, title, why, body);

/** One test of a public suite that needs an embedded shop of its own: skipped on the cluster, saying why. */
export function itEmbedded(title: string, why: string, test: () => Promise<unknown>, timeoutMs?: number) {
  const skip = skipReason(embeddedTargets, why);
  if (!skip) return it(title, test, timeoutMs);
  console.warn(`SKIPPED "${title}": ${skip}`);
  return it.skip(title, test);
}
