/** `bun run bench`'s command line: asking for help or mistyping a flag must never start a benchmark. */
import { describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";

const root = join(import.meta.dir, "..");

/** `bun run bench <args>` from the repository root; a benchmark that started would blow the timeout. */
async function bench(args: string[], env: Record<string, string> = {}, timeout = 10_000) {
  const proc = Bun.spawn([process.execPath, "run", "bench", ...args], {
    cwd: root,
    env: { ...process.env, ...env },
    stdout: "pipe",
    stderr: "pipe",
    timeout,
  });
  const [stdout, stderr] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
  ]);
  await proc.exited;
  return { exitCode: proc.exitCode, signalCode: proc.signalCode, stdout, stderr };
}

describe("bun run bench", () => {
  it("--help lists every scenario and option and exits without benchmarking anything", async () => {
    const run = await bench(["--help"]);
    expect(run).toMatchObject({ exitCode: 0, signalCode: null });
    expect(run.stdout).toStartWith("usage: bun run bench [--scenario NAME");
    for (const scenario of [
      "healthz",
      "list",
      "search",
      "cart-add",
      "cart-read",
      "checkout",
      "mixed",
      "bare-hono",
      "nginx-static",
      "db-bunsql-pgbouncer",
      "pgbench-checkout",
      "start",
    ])
      expect(run.stdout).toMatch(new RegExp(`\\n  ${scenario} `));
    for (const option of ["--scenario", "--duration", "--connections", "--cluster", "--tracing", "--check"])
      expect(run.stdout).toContain(`  ${option}`);
    expect(run.stderr).not.toContain("fastr bench:"); // the banner a measuring run prints
  });

  for (const [args, message] of [
    [["--chekc"], "Unknown option '--chekc'"],
    [["product.list"], "Unexpected argument 'product.list'"],
    [["--scenario", "list,carts"], 'unknown scenario "carts"'],
    [["--connections", "16,sixty"], "--connections takes whole numbers"],
    [["--duration", "0"], "--duration must be a number from 0.2"],
    [["--no-embedded"], "--no-embedded needs --cluster"],
  ] as const) {
    it(`refuses ${args.join(" ")} with the reason and the usage, before starting anything`, async () => {
      const run = await bench([...args]);
      expect(run).toMatchObject({ exitCode: 2, signalCode: null });
      expect(run.stderr).toContain(message);
      expect(run.stderr).toContain("usage: bun run bench");
      expect(run.stderr).not.toContain("fastr bench:");
    });
  }

  it("measures a baseline at a tiny duration and writes the table, markdown and JSON", async () => {
    const dir = mkdtempSync(join(tmpdir(), "fastr-bench-test-"));
    try {
      const run = await bench(
        ["--scenario", "bare-bun", "--duration", "1", "--warmup", "0", "--connections", "2"],
        { BENCH_RESULTS_DIR: dir },
        30_000,
      );
      expect(run.stderr).toContain("fastr bench:");
      expect(run.exitCode).toBe(0);
      expect(run.stdout).toMatch(/baseline\s+bare-bun\s+2\s+[\d,]+/);
      const json = JSON.parse(readFileSync(join(dir, "latest.json"), "utf8"));
      expect(json.rows).toEqual([
        expect.objectContaining({ scenario: "bare-bun", connections: 2, errors: 0 }),
      ]);
      expect(json.rows[0].rps).toBeGreaterThan(0);
      expect(readFileSync(join(dir, "latest.md"), "utf8")).toContain("| baseline | bare-bun | 2 |");
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
