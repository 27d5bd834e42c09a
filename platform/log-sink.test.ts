import { describe, expect, it } from "bun:test";
import { join } from "node:path";
import { createLogger } from "./log.ts";

const logModule = join(import.meta.dir, "log.ts");

/** Runs `script` in a fresh Bun with `log` = createLogger("info"), stderr folded into stdout. */
async function run(script: string) {
  const code = `import { createLogger } from ${JSON.stringify(logModule)}; const log = createLogger("info"); ${script}`;
  const proc = Bun.spawn(["bash", "-c", `"${process.execPath}" -e "$0" 2>&1`, code], { stdout: "pipe" });
  const output = await new Response(proc.stdout).text();
  return {
    exitCode: await proc.exited,
    lines: output
      .trim()
      .split("\n")
      .map((l) => JSON.parse(l)),
  };
}

describe("the log's standard streams", () => {
  it("writes every buffered line, in order, when the process exits right after logging", async () => {
    const { exitCode, lines } = await run(
      `for (let i = 0; i < 5000; i++) log.info("line", { i }); process.exit(3);`,
    );
    expect(exitCode).toBe(3);
    expect(lines.map((l) => l.i)).toEqual(Array.from({ length: 5000 }, (_, i) => i));
  });

  it("writes the info lines logged before an error ahead of the error", async () => {
    const { lines } = await run(
      `log.info("before"); log.error("failed", { error: new Error("boom") }); log.info("after");`,
    );
    expect(lines.map((l) => l.msg)).toEqual(["before", "failed", "after"]);
    expect(lines[1].error).toMatchObject({ type: "Error", message: "boom" });
  });

  it("stamps every line with the time it was logged, in ISO 8601", async () => {
    const before = Date.now();
    const { lines } = await run(`log.info("one"); await Bun.sleep(5); log.info("two");`);
    const [one, two] = lines.map((l) => Date.parse(l.t));
    expect(one).toBeGreaterThanOrEqual(before - 1);
    expect(two! - one!).toBeGreaterThanOrEqual(4);
    expect(lines[0].t).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/);
  });
});

describe("fields on every line", () => {
  it("adds what the mixin returns at the time of each line, under the line's own fields", () => {
    const lines: string[] = [];
    let trace = "t1";
    const log = createLogger("info", {
      base: { service: "product" },
      mixin: () => ({ traceId: trace }),
      sink: (_level, line) => lines.push(line),
    });
    log.info("first");
    trace = "t2";
    log.info("second", { traceId: "own" });
    log.debug("below the level");
    expect(lines.map((l) => JSON.parse(l))).toEqual([
      { t: expect.any(String), level: "info", service: "product", msg: "first", traceId: "t1" },
      { t: expect.any(String), level: "info", service: "product", msg: "second", traceId: "own" },
    ]);
  });
});
