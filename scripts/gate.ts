/**
 * `bun run test`, the gate: lint, typecheck, every test file on two workers (slowest first, by the
 * durations in test/timings.json), and the pg pass. The test files are the long part, and most of the
 * time they leave some of the machine's two cores idle (a cluster or a Kafka group being waited for), so
 * the checks and then the pg pass run beside them instead of before and after, and so do the few test
 * files that mostly wait (`WAITING_FILES`), which would hold a worker idle; what those print is
 * shown once each ends, a failure at once. Ends with each step's wall time and the gate's, and exits
 * non-zero if any step failed.
 * @example bun run test            # bun run test -- --update-timings refreshes test/timings.json
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

/**
 * Test files whose time is nearly all waiting, a few CPU-seconds in all (measured alone: serve.test 15 s
 * of wall time for 0.2 s of CPU, a request held past Bun's 10 s idle timeout; the Kafka bus 13 s for 4 s,
 * consumer groups joining and giving a killed member up). In a worker they would hold one of the two
 * lanes idle; beside them they cost the lanes nothing (ADR 173). Not a file whose waits are bounded by
 * timeouts the machine's load can break (the Redis cache's 500 ms commands failed here at the gate's start).
 */
const WAITING_FILES = ["platform/http/serve.test.ts", "platform/bus/kafka.test.ts"];

/** The checks, then the pg pass (it is worth running only on code that checks). */
async function checksThenPg(): Promise<Outcome[]> {
  const checks = await Promise.all([step("lint", ["run", "lint"]), step("typecheck", ["run", "typecheck"])]);
  if (checks.some((c) => !c.ok)) return checks;
  return [...checks, await step("test:pg", ["run", "test:pg"])];
}

/** What runs beside the test files' workers: the checks and the pg pass, and the waiting files. */
async function beside(): Promise<Outcome[]> {
  const waiting = step("waiting files", ["test", "--timeout", "60000", ...WAITING_FILES]);
  const [checked, waited] = await Promise.all([checksThenPg(), waiting]);
  return [...checked, waited];
}

// Anything after `bun run test` goes to the test files' run (e.g. `--update-timings`).
const passed = Bun.argv.slice(2);
const ignored = WAITING_FILES.map((file) => `--path-ignore-patterns=${file}`);
const [tests, others] = await Promise.all([
  step("tests", ["run", "test:files", ...ignored, ...passed], true),
  beside(),
]);
for (const { name, ok, output } of others) if (ok) console.log(`\n— ${name} —\n${output.trim()}`);
const outcomes = [...others, tests];
console.log(
  `\ngate: ${outcomes.map((o) => `${o.name} ${o.ok ? "" : "FAILED "}${seconds(o.ms)}`).join(" · ")}` +
    ` — ${seconds(performance.now() - started)} wall`,
);
process.exit(outcomes.every((o) => o.ok) ? 0 : 1);
