/**
 * One bounded load run against a loopback URL: `wrk` when installed, else a fixed-concurrency Bun loop
 * run as its own process (`bun bench/load.ts '<options json>'`), pinned to the load core when it can be.
 * @example const r = await load({ url: "http://127.0.0.1:4000/", seconds: 5, warmupSeconds: 2, connections: 64 });
 */
import { availableParallelism } from "node:os";
import { join } from "node:path";
import { SEARCH_WORDS } from "./scenarios.ts";

export type LoadOptions = {
  url: string;
  headers?: Record<string, string>;
  seconds: number;
  warmupSeconds: number;
  connections: number;
};
export type LoadResult = { requests: number; rps: number; p50Ms: number; p99Ms: number; errors: number };

/** `BENCH_LOAD=bun` forces the fallback (to check it, or to compare generators). */
export const tool = process.env.BENCH_LOAD !== "bun" && Bun.which("wrk") ? "wrk" : "bun-loop";
let canPin = Bun.which("taskset") !== null && availableParallelism() >= 2;
export const pinning = () => (canPin ? "server on core 0, load on core 1" : "not pinned");
/** The cluster's processes share both cores, so its load generator must not have one to itself. */
export const stopPinning = () => {
  canPin = false;
};

/** argv prefixed with `taskset -c <core>` when pinning is possible (taskset execs, so the PID stays the child's). */
export const pinned = (core: number, argv: string[]) =>
  canPin ? ["taskset", "-c", String(core), ...argv] : argv;

/**
 * A URL may vary per request: `__WORD__` becomes the next of `SEARCH_WORDS`, `__N__` a number never
 * used before in this run (from a random start), so each request is a cache miss.
 */
export const varies = (url: string) => url.includes("__WORD__") || url.includes("__N__");

/** One concrete request of a URL that varies (the first search word, the largest price), to probe it. */
export const sampleOf = (url: string) =>
  url.replace("__WORD__", SEARCH_WORDS[0]!).replace("__N__", "1000000000");

const wrkVary = `local words = {${SEARCH_WORDS.map((w) => `"${w}"`).join(",")}}
math.randomseed(os.time())
local n = math.random(1000000000, 1500000000)
request = function()
  n = n + 1
  local path = wrk.path:gsub("__WORD__", words[n % #words + 1]):gsub("__N__", tostring(n))
  return wrk.format(nil, path)
end
`;

// wrk's own summary rounds and mixes units; this prints exact microseconds as one parseable line.
const wrkReport = `done = function(s, latency, _)
  local e = s.errors
  io.write(string.format('BENCH {"requests":%d,"durationUs":%d,"p50Us":%.0f,"p99Us":%.0f,"errors":%d}\\n',
    s.requests, s.duration, latency:percentile(50), latency:percentile(99),
    e.connect + e.read + e.write + e.status + e.timeout))
end
`;

const running = new Set<Bun.Subprocess>();
/** Kills a load run still in flight (the bench is being interrupted). */
export const stopLoad = () => {
  for (const proc of running) proc.kill("SIGKILL");
};

export async function load(options: LoadOptions): Promise<LoadResult> {
  if (!new URL(options.url).hostname.startsWith("127.")) throw new Error(`refusing to load ${options.url}`);
  if (options.warmupSeconds > 0) await runOnce({ ...options, seconds: options.warmupSeconds });
  return runOnce(options);
}

async function runOnce(options: LoadOptions): Promise<LoadResult> {
  const argv =
    tool === "wrk" ? await wrkArgv(options) : [process.execPath, import.meta.path, JSON.stringify(options)];
  const proc = Bun.spawn(pinned(1, argv), {
    stdout: "pipe",
    stderr: "pipe",
    timeout: (options.seconds + 15) * 1000, // a hung generator must not hang the bench
  });
  running.add(proc);
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]).finally(() => running.delete(proc));
  const line = out.split("\n").find((l) => l.startsWith("BENCH "));
  if (code !== 0 || !line) throw new Error(`${argv[0]} failed (exit ${code}): ${err || out}`);
  const raw = JSON.parse(line.slice(6)) as {
    requests: number;
    durationUs: number;
    p50Us: number;
    p99Us: number;
    errors: number;
  };
  return {
    requests: raw.requests,
    rps: raw.requests / (raw.durationUs / 1e6),
    p50Ms: raw.p50Us / 1000,
    p99Ms: raw.p99Us / 1000,
    errors: raw.errors,
  };
}

async function wrkArgv(o: LoadOptions) {
  const script = join(import.meta.dir, "..", ".bench", varies(o.url) ? "report-vary.lua" : "report.lua");
  await Bun.write(script, (varies(o.url) ? wrkVary : "") + wrkReport);
  const headers = Object.entries(o.headers ?? {}).flatMap(([k, v]) => ["-H", `${k}: ${v}`]);
  return [
    "wrk",
    "-t1",
    `-c${o.connections}`,
    `-d${Math.max(1, Math.round(o.seconds))}s`, // wrk takes whole seconds
    "--timeout",
    "5s",
    "-s",
    script,
    ...headers,
    o.url,
  ];
}

/** The fallback generator: `connections` workers each fetching in a loop until the deadline. */
async function bunLoop(o: LoadOptions) {
  const latenciesUs: number[] = [];
  let errors = 0;
  const started = performance.now();
  const deadline = started + o.seconds * 1000;
  let n = 1_000_000_000 + Math.floor(Math.random() * 500_000_000);
  const nextUrl = varies(o.url)
    ? () => {
        n++;
        return o.url.replace("__WORD__", SEARCH_WORDS[n % SEARCH_WORDS.length]!).replace("__N__", String(n));
      }
    : () => o.url;
  // As wrk asks: no compression. Bun's fetch otherwise asks for gzip, and the cluster's NGINX then
  // compresses every catalog answer over 1 kB, which its baselines (no gzip) never do.
  const headers = { "accept-encoding": "identity", ...o.headers };
  const worker = async () => {
    while (performance.now() < deadline) {
      const t = performance.now();
      try {
        const response = await fetch(nextUrl(), { headers });
        await response.arrayBuffer();
        if (!response.ok) errors++;
      } catch {
        errors++;
      }
      latenciesUs.push((performance.now() - t) * 1000);
    }
  };
  await Promise.all(Array.from({ length: o.connections }, worker));
  const durationUs = (performance.now() - started) * 1000;
  latenciesUs.sort((a, b) => a - b);
  const at = (p: number) =>
    latenciesUs[Math.min(latenciesUs.length - 1, Math.floor((p / 100) * latenciesUs.length))] ?? 0;
  const report = { requests: latenciesUs.length, durationUs, p50Us: at(50), p99Us: at(99), errors };
  console.log(`BENCH ${JSON.stringify(report)}`);
}

if (import.meta.main) await bunLoop(JSON.parse(process.argv[2] ?? "{}") as LoadOptions);
