import { describe, expect, it } from "bun:test";
import { closeSync, constants, existsSync, mkdtempSync, openSync, readSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { createLogger } from "./log.ts";

const logModule = join(import.meta.dir, "log.ts");
const hostModule = join(import.meta.dir, "http/host.ts");
const serveModule = join(import.meta.dir, "http/serve.ts");

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

/**
 * Runs `script` in a fresh Bun whose stdout and stderr are one pipe that nobody reads until the child
 * has reached `process.on("exit")` (or the marker `readAfter`), plus `PAUSE_MS`: the pipe fills and
 * stays full, as behind a stalled log collector. Then the pipe is drained to the end. `marker(name)`
 * in the script creates a file the test can wait for; `signal` is sent once the `ready` marker exists.
 */
async function runBehindPausedReader(
  script: string,
  { signal, readAfter = "exiting" }: { signal?: NodeJS.Signals; readAfter?: string } = {},
) {
  const dir = mkdtempSync(join(tmpdir(), "fastr-log-sink-"));
  const fifo = join(dir, "out");
  expect(Bun.spawnSync(["mkfifo", fifo]).exitCode).toBe(0);
  // Opened without blocking, so the write end can be opened; read only when the test says so.
  const reader = openSync(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
  const writer = openSync(fifo, constants.O_WRONLY);
  const code = [
    `import { writeFileSync } from "node:fs";`,
    `import { createLogger } from ${JSON.stringify(logModule)};`,
    `import { createHost } from ${JSON.stringify(hostModule)};`,
    `import { serve } from ${JSON.stringify(serveModule)};`,
    `const marker = (name) => writeFileSync(${JSON.stringify(dir)} + "/" + name, "");`,
    `const log = createLogger("info");`,
    // Runs before the logger's own exit listener: the pipe is still full when that one starts.
    `process.prependListener("exit", () => marker("exiting"));`,
    script,
  ].join("\n");
  const child = Bun.spawn([process.execPath, "-e", code], { stdio: ["ignore", writer, writer] });
  closeSync(writer);
  try {
    const markerAppears = async (name: string) => {
      while (!existsSync(join(dir, name))) {
        if (child.exitCode !== null) throw new Error(`the child exited (${child.exitCode}) before "${name}"`);
        await Bun.sleep(5);
      }
    };
    if (signal) {
      await markerAppears("ready");
      child.kill(signal);
    }
    await markerAppears(readAfter);
    await Bun.sleep(PAUSE_MS);

    const chunks: Buffer[] = [];
    for (;;) {
      const chunk = Buffer.alloc(256 * 1024);
      let n: number;
      try {
        n = readSync(reader, chunk);
      } catch (error) {
        if ((error as { code?: string }).code !== "EAGAIN") throw error;
        await Bun.sleep(1);
        continue;
      }
      if (n === 0) break; // every writer has closed the pipe: the child is gone
      chunks.push(chunk.subarray(0, n));
    }
    return { exitCode: await child.exited, output: Buffer.concat(chunks).toString() };
  } finally {
    if (child.exitCode === null) child.kill("SIGKILL");
    closeSync(reader);
    rmSync(dir, { recursive: true, force: true });
  }
}

const PAUSE_MS = 150;
/** Lines enough to fill a pipe (64 KiB on Linux) many times over. */
const MANY = 20_000;

/** The `i` of every line, after checking that each one is whole JSON. */
function indexesOf(output: string) {
  const lines = output.split("\n");
  const unfinished = lines.pop();
  if (unfinished) throw new Error(`the output stops inside line ${lines.length + 1}: ${unfinished}`);
  return lines.map((line) => {
    try {
      return JSON.parse(line).i as number | undefined;
    } catch {
      throw new Error(`a torn line: ${line.slice(0, 200)}`);
    }
  });
}

const inOrder = (from: number, to: number) => Array.from({ length: to - from }, (_, k) => from + k);

describe("the log behind a reader that has stopped reading (back-pressure)", () => {
  it("writes every line whole and in order, those logged while exiting too, when the process calls process.exit() while the pipe is full", async () => {
    const { exitCode, output } = await runBehindPausedReader(
      [
        `for (let i = 0; i < ${MANY}; i++) log.info("line", { i });`,
        `process.on("exit", () => log.info("exiting", { i: ${MANY} }));`,
        `process.exit(3);`,
      ].join("\n"),
    );
    expect(exitCode).toBe(3);
    expect(indexesOf(output)).toEqual(inOrder(0, MANY + 1));
  }, 20_000);

  it("writes every line whole and in order when the process ends by itself while the pipe is full", async () => {
    // The marker comes after the lines: logging itself never waits for the reader.
    const { exitCode, output } = await runBehindPausedReader(
      `for (let i = 0; i < ${MANY}; i++) log.info("line", { i }); log.warn("last", { i: ${MANY} }); marker("logged");`,
      { readAfter: "logged" },
    );
    expect(exitCode).toBe(0);
    expect(indexesOf(output)).toEqual(inOrder(0, MANY + 1));
  }, 20_000);

  it("writes every line whole and in order when SIGTERM shuts the server down while the pipe is full", async () => {
    const { exitCode, output } = await runBehindPausedReader(
      [
        `const host = createHost({ routers: {}, createContext: () => ({}), log, maxBodyBytes: 1024, trustProxy: false, ready: async () => {} });`,
        `serve(host, { hostname: "127.0.0.1", port: 0, graceMs: 2_000, quietMs: 30, log, close: async () => {} });`,
        `for (let i = 0; i < ${MANY}; i++) log.info("line", { i });`,
        `setTimeout(() => marker("ready"), 50);`,
      ].join("\n"),
      { signal: "SIGTERM" },
    );
    expect(exitCode).toBe(0);
    const lines = output.trimEnd().split("\n");
    expect(indexesOf(output).filter((i) => i !== undefined)).toEqual(inOrder(0, MANY));
    expect(lines.slice(-2).map((line) => JSON.parse(line).msg)).toEqual(["shutting down", "stopped"]);
  }, 20_000);
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

describe("the request line", () => {
  const capture = (level: "info" | "warn", base?: Record<string, unknown>) => {
    const lines: string[] = [];
    return { lines, log: createLogger(level, { base, sink: (_level, line) => lines.push(line) }) };
  };
  const asInfo = (line: string) => ({ ...JSON.parse(line), t: "" });

  it("says what info('request', …) says, for paths and ids JSON must escape too", () => {
    const requests = [
      { requestId: "r-1", method: "GET", path: "/healthz", status: 200, ms: 0.05 },
      {
        requestId: "r:2",
        method: "POST",
        path: '/api/product/trpc/"quoted"\\slash\ttab\u2028é✓',
        status: 413,
        ms: 12,
        traceId: "4bf92f3577b34da6a3ce929d0e0e4736",
        spanId: "00f067aa0ba902b7",
      },
    ];
    for (const base of [undefined, { service: "product", instance: "product-1" }]) {
      const template = capture("info", base);
      const generic = capture("info", base);
      for (const request of requests) {
        template.log.request(request);
        generic.log.info("request", request);
      }
      expect(template.lines.map(asInfo)).toEqual(generic.lines.map(asInfo));
      expect(JSON.parse(template.lines[1]!)).toMatchObject({
        path: requests[1]!.path,
        spanId: "00f067aa0ba902b7",
      });
    }
  });

  it("is left out below info, like every info line", () => {
    const { lines, log } = capture("warn");
    log.request({ requestId: "r", method: "GET", path: "/", status: 200, ms: 1 });
    expect(lines).toEqual([]);
  });
});
