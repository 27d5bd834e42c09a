/**
 * `bun run test`, the gate, as three lanes side by side on the machine's two cores:
 * - every test file but the cluster suites on two workers, slowest first by the durations in
 *   test/timings.json (`test:files`; its output is the terminal's);
 * - the cluster suites in one process, one after the other (`test:cluster-suites`): each starts some
 *   twenty processes, and two at once would only slow each other down;
 * - lint and typecheck, then the pg pass.
 * Most files leave a core idle now and then (a browser, a cluster or a Kafka group being waited for);
 * the other lanes use it. What the second and third lanes print is shown once each step ends, a
 * failure at once. Ends with each step's wall time and the gate's; exits non-zero if any step failed.
 * Arguments go to `test:files`: `bun run test -- --update-timings` refreshes test/timings.json.
 * @example bun run test
 */
import { resolve } from "node:path";

const ROOT = resolve(import.meta.dir, "..");
const started = performance.now();
const seconds = (ms: number) => {
  const s = Math.round(ms / 1000);
  return s < 60 ? `${s} s` : `${Math.floor(s / 60)} min ${String(s % 60).padStart(2, "0")} s`;
};

type Outcome = { name: string; ok: boolean; ms: number; output: string };

/** Runs `bun <args>` from the project root; its output is the terminal's (`shown`) or kept for later. */
async function step(name: string, args: string[], shown = false): Promise<Outcome> {
  const begun = performance.now();
  const proc = Bun.spawn([process.execPath, ...args], {
    cwd: ROOT,
    stdin: "ignore",
    stdout: shown ? "inherit" : "pipe",
    stderr: shown ? "inherit" : "pipe",
  });
  const [code, out, err] = await Promise.all([
    proc.exited,
    shown ? "" : new Response(proc.stdout as ReadableStream).text(),
    shown ? "" : new Response(proc.stderr as ReadableStream).text(),
  ]);
  const outcome = { name, ok: code === 0, ms: performance.now() - begun, output: out + err };
  if (!outcome.ok && !shown) console.error(`\n✗ ${name} failed:\n${outcome.output}`);
  return outcome;
}

/** The checks, then the pg pass (worth running only on code that checks). */
async function checksThenPg(): Promise<Outcome[]> {
  const checks = await Promise.all([step("lint", ["run", "lint"]), step("typecheck", ["run", "typecheck"])]);
  if (checks.some((c) => !c.ok)) return checks;
  return [...checks, await step("test:pg", ["run", "test:pg"])];
}

const [files, clusters, others] = await Promise.all([
  step("test:files", ["run", "test:files", ...Bun.argv.slice(2)], true),
  step("test:cluster-suites", ["run", "test:cluster-suites"]),
  checksThenPg(),
]);
const kept = [clusters, ...others];
for (const { name, ok, output } of kept) if (ok) console.log(`\n— ${name} —\n${output.trim()}`);
const outcomes = [files, ...kept];
console.log(
  `\ngate: ${outcomes.map((o) => `${o.name} ${o.ok ? "" : "FAILED "}${seconds(o.ms)}`).join(" · ")}` +
    ` — ${seconds(performance.now() - started)} wall`,
);
process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
