/** `bun run bench`'s command line: asking for help or mistyping a flag must never start a benchmark. */
import { describe, expect, it } from "bun:test";
import { join } from "node:path";

const root = join(import.meta.dir, "..");

/** `bun run bench <args>` from the repository root; a benchmark that started would blow the timeout. */
async function bench(...args: string[]) {
  const proc = Bun.spawn([process.execPath, "run", "bench", ...args], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
    timeout: 10_000,
  });
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  await proc.exited;
  return { exitCode: proc.exitCode, signalCode: proc.signalCode, stdout, stderr };
}

describe("bun run bench", () => {
  it("--help prints the scenarios and options and exits without benchmarking anything", async () => {
    const run = await bench("--help");
    expect(run).toMatchObject({ exitCode: 0, signalCode: null });
    expect(run.stdout).toStartWith("usage: bun run bench [--check]");
    for (const scenario of [
      "bare Bun.serve (JSON), bare Hono (JSON)",
      "product.list (first page)",
      "auth.me (Bearer)",
      "bun start, fresh and warm",
      "checkout, 16 and 64 concurrent buyers",
    ])
      expect(run.stdout).toContain(scenario);
    expect(run.stdout).toMatch(/--check\s+exit 1 when a scenario misses its target/);
    expect(run.stdout).toContain("BENCH_LOAD=bun");
    // The banner the benchmark prints as it starts measuring.
    expect(run.stderr).not.toContain("fastr bench:");
  });

  it("refuses an unknown flag with the usage, before starting anything", async () => {
    const run = await bench("--chekc");
    expect(run).toMatchObject({ exitCode: 2, signalCode: null });
    expect(run.stderr).toContain("bench: Unknown option '--chekc'");
    expect(run.stderr).toContain("usage: bun run bench [--check]");
    expect(run.stderr).not.toContain("fastr bench:");
  });

  it("refuses a stray argument the same way", async () => {
    const run = await bench("product.list");
    expect(run.exitCode).toBe(2);
    expect(run.stderr).toContain("usage: bun run bench");
    expect(run.stderr).not.toContain("fastr bench:");
  });
});
