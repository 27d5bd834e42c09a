/**
 * `bun run bench`: the embedded shop's HTTP throughput and latency next to bare Bun.serve and bare Hono,
 * measured in the same run, plus the shop's memory and its start time. Prints a table and writes
 * `.bench/results.json`. Targets are ratios to bare Hono, never absolute timings; `--check` exits 1 on a miss.
 */
import { readFileSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Subprocess } from "bun";
import { checkoutFixture, measureCheckouts } from "./checkout.ts";
import { type LoadResult, load, pinned, pinning, stopLoad, tool } from "./load.ts";

const SECONDS = 5;
const WARMUP_SECONDS = 2;
const CONNECTIONS = 64;
const root = join(import.meta.dir, "..");

/**
 * Minimum req/s as a fraction of bare Hono's. Cached public catalog reads should be answered from the
 * serialized-response cache before tRPC resolution, so they belong near Hono (a full tRPC query is
 * ~0.15×); auth.me validates its session in PGlite (~3.5k req/s, ~0.04×).
 */
const targets: Record<string, number> = {
  "/healthz": 0.5,
  "product.list (first page)": 0.5,
  "product.list (category, price_asc)": 0.5,
  "product.get (slug)": 0.5,
  "product.categories": 0.5,
  "auth.me (Bearer)": 0.03,
};

const scenarioHelp = (): [string, string][] => [
  ["bare Bun.serve (JSON), bare Hono (JSON)", "the baselines (Hono twice: before and after the shop)"],
  ...Object.entries(targets).map(([scenario, target]): [string, string] => [
    scenario,
    `req/s and latency; target ≥ ${target}× bare Hono`,
  ]),
  ["bun start, fresh and warm", "ms to the first 200 on /healthz, RSS, SIGTERM to exit"],
  ["checkout, 16 and 64 concurrent buyers", "checkouts/s, p50 and p99 latency"],
];

const usage = () => `usage: bun run bench [--check]

Measures the embedded shop next to bare Bun.serve and bare Hono, in the same run, with ${tool}:
${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s per scenario, ${pinning}.
Prints a table and writes .bench/results.json. Takes about two minutes and both cores:
run it on an otherwise idle machine.

scenarios:
${scenarioHelp()
  .map(([name, what]) => `  ${name.padEnd(40)}  ${what}`)
  .join("\n")}

options:
  --check   exit 1 when a scenario misses its target
  --help    print this and exit

environment:
  BENCH_LOAD=bun   use the built-in Bun load loop even when wrk is installed`;

/** The command line: `--check`, `--help`; anything else is a mistake, said before any work starts. */
function readOptions(args: string[]) {
  try {
    return parseArgs({
      args,
      options: { check: { type: "boolean", default: false }, help: { type: "boolean", default: false } },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    console.error(`bench: ${(error as Error).message}\n\n${usage()}`);
    process.exit(2);
  }
}

type Row = LoadResult & { bodyBytes: number; scenario: string; vsHono?: number; target?: number };

const children = new Set<Subprocess>();

function spawn(argv: string[], env: Record<string, string | undefined> = process.env) {
  const proc = Bun.spawn(argv, { cwd: root, env, stdout: "pipe", stderr: "inherit" });
  children.add(proc);
  return proc;
}

/** SIGTERM by PID, SIGKILL if it has not exited within 5 s. */
async function stop(proc: Subprocess) {
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill("SIGTERM");
    const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5_000).then(() => false)]);
    if (!exited) proc.kill("SIGKILL");
    await proc.exited;
  }
  children.delete(proc);
}

/** Waits for the child's `ready <port>` line. */
async function ready(proc: Subprocess<"ignore", "pipe", "inherit">, timeoutMs = 60_000): Promise<number> {
  const reader = proc.stdout.getReader();
  const decoder = new TextDecoder();
  let text = "";
  let timer: Timer | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`pid ${proc.pid} not ready after ${timeoutMs} ms`)), timeoutMs);
  });
  try {
    while (true) {
      const chunk = await Promise.race([reader.read(), timeout]);
      if (chunk.done) throw new Error(`pid ${proc.pid} exited before it was ready:\n${text}`);
      text += decoder.decode(chunk.value, { stream: true });
      const match = text.match(/^ready (\d+)$/m);
      if (match) return Number(match[1]);
    }
  } finally {
    clearTimeout(timer);
    reader.releaseLock();
  }
}

const kib = (pid: number, field: "VmRSS" | "VmHWM") => {
  const status = readFileSync(`/proc/${pid}/status`, "utf8");
  return Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1] ?? Number.NaN);
};
const mib = (pid: number, field: "VmRSS" | "VmHWM") => Math.round(kib(pid, field) / 1024);
/** Other work on these cores skews every sample; the 1-minute load average before the run says how much. */
const loadAverage = () => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);

/** One 200 first (a load run of errors would measure nothing), then the bounded load run. */
async function bench(url: string, headers: Record<string, string> = {}, expect = "") {
  const response = await fetch(url, { headers });
  const body = await response.text();
  if (response.status !== 200 || !body.includes(expect))
    throw new Error(`${url}: ${response.status} ${body}`);
  const result = await load({
    url,
    headers,
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    connections: CONNECTIONS,
  });
  return { ...result, bodyBytes: Buffer.byteLength(body) };
}

async function measureBaseline(kind: "bun" | "hono") {
  const proc = spawn(pinned(0, [process.execPath, "bench/baselines.ts", kind, "0"]));
  try {
    const port = await ready(proc);
    return await bench(`http://127.0.0.1:${port}/`);
  } finally {
    await stop(proc);
  }
}

const query = (service: string, procedure: string, input?: unknown) =>
  `/api/${service}/trpc/${procedure}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`}`;

async function trpcData(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  const body = (await response.json()) as { result?: { data?: { json?: unknown } } };
  if (!response.ok || !body.result) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return body.result.data?.json;
}

const benchStaff = { email: "bench-staff@example.test", password: "bench staff password" };

/** Checkouts per second and their latency at 16 and 64 concurrent buyers, on a fresh shop. */
async function measureCheckoutRuns() {
  const proc = spawn(pinned(0, [process.execPath, "bench/serve-shop.ts", "0"]), {
    ...process.env,
    BENCH_STAFF_EMAIL: benchStaff.email,
    BENCH_STAFF_PASSWORD: benchStaff.password,
  });
  try {
    const base = `http://127.0.0.1:${await ready(proc)}`;
    const { variantId } = await checkoutFixture(base, benchStaff);
    const runs = [];
    for (const concurrency of [16, 64]) {
      runs.push(await measureCheckouts(base, variantId, concurrency, SECONDS));
      const last = runs.at(-1)!;
      console.error(
        `  checkout x${concurrency}: ${last.perSecond.toFixed(0)}/s, p99 ${last.p99Ms.toFixed(1)} ms`,
      );
    }
    return { runs, peakMiB: mib(proc.pid, "VmHWM") };
  } finally {
    await stop(proc);
  }
}

async function measureShop() {
  const proc = spawn(pinned(0, [process.execPath, "bench/serve-shop.ts", "0"]));
  try {
    const base = `http://127.0.0.1:${await ready(proc)}`;
    const idleMiB = mib(proc.pid, "VmRSS");
    const list = (await trpcData(base + query("product", "list", { limit: 24 }))) as {
      items: { slug: string }[];
    };
    const grant = (await trpcData(base + query("auth", "signup"), {
      method: "POST",
      headers: { "content-type": "application/json" },
      body: JSON.stringify({
        json: { email: `bench-${Date.now()}@example.test`, password: "correct horse battery", name: "Bench" },
      }),
    })) as { token: string };

    const scenarios: [string, string, Record<string, string>?][] = [
      ["/healthz", "/healthz"],
      ["product.list (first page)", query("product", "list", { limit: 24 })],
      [
        "product.list (category, price_asc)",
        query("product", "list", { category: "coffee-tea", sort: "price_asc", limit: 24 }),
      ],
      ["product.get (slug)", query("product", "get", { slug: list.items[0]!.slug })],
      ["product.categories", query("product", "categories")],
      ["auth.me (Bearer)", query("auth", "me"), { authorization: `Bearer ${grant.token}` }],
    ];
    const rows: Row[] = [];
    for (const [scenario, path, headers] of scenarios) {
      // auth.me answers null (still 200) for a bad token: make sure the run is of a signed-in caller
      rows.push({ scenario, ...(await bench(base + path, headers, headers ? '"email"' : "")) });
      console.error(`  ${scenario}: ${Math.round(rows.at(-1)!.rps)} req/s`);
    }
    return { rows, memory: { idleMiB, afterMiB: mib(proc.pid, "VmRSS"), peakMiB: mib(proc.pid, "VmHWM") } };
  } finally {
    await stop(proc);
  }
}

async function freePort() {
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: () => new Response() });
  const { port } = server;
  await server.stop(true);
  return port;
}

/** `bun start` on `dataDir`: ms from spawn to the first 200 on /healthz, RSS then, and how it stopped. */
async function measureStart(dataDir: string) {
  const port = await freePort();
  const started = performance.now();
  const proc = spawn([process.execPath, "shapes/embedded/main.ts"], {
    ...process.env,
    PORT: String(port),
    FASTR_DATA_DIR: dataDir,
    LOG_LEVEL: "warn",
  });
  try {
    while (true) {
      if (proc.exitCode !== null) throw new Error(`bun start exited with ${proc.exitCode} before serving`);
      if (performance.now() - started > 60_000) throw new Error("bun start not healthy after 60 s");
      const ok = await fetch(`http://127.0.0.1:${port}/healthz`).then(
        (r) => r.status === 200,
        () => false,
      );
      if (ok) break;
      await Bun.sleep(20);
    }
    const readyMs = Math.round(performance.now() - started);
    const rssMiB = mib(proc.pid, "VmRSS");
    const stopping = performance.now();
    await stop(proc);
    return { readyMs, rssMiB, stopMs: Math.round(performance.now() - stopping), exitCode: proc.exitCode };
  } finally {
    await stop(proc);
  }
}

async function measureStarts() {
  const dir = await mkdtemp(join(tmpdir(), "fastr-bench-"));
  try {
    return { fresh: await measureStart(dir), warm: await measureStart(dir) };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

function print(rows: Row[]) {
  const cells = rows.map((r) => [
    r.scenario,
    Math.round(r.rps).toLocaleString("en-US"),
    r.p50Ms.toFixed(2),
    r.p99Ms.toFixed(2),
    r.vsHono === undefined ? "" : `${r.vsHono.toFixed(3)}×`,
    r.target === undefined ? "" : `≥${r.target}× ${r.vsHono! >= r.target ? "ok" : "MISS"}`,
    String(r.bodyBytes),
    String(r.errors),
  ]);
  const header = ["scenario", "req/s", "p50 ms", "p99 ms", "vs hono*", "target", "body B", "errors"];
  const widths = header.map((h, i) => Math.max(h.length, ...cells.map((c) => c[i]!.length)));
  const line = (c: string[]) =>
    c.map((v, i) => (i === 0 ? v.padEnd(widths[i]!) : v.padStart(widths[i]!))).join("  ");
  console.log([line(header), widths.map((w) => "-".repeat(w)).join("  "), ...cells.map(line)].join("\n"));
}

async function main(options: { check: boolean }) {
  const began = performance.now();
  const loadBefore = loadAverage();
  console.error(
    `fastr bench: ${tool}, ${CONNECTIONS} connections, ${WARMUP_SECONDS} s warm-up + ${SECONDS} s each, ${pinning}, load average ${loadBefore}`,
  );
  const bare = await measureBaseline("bun");
  const hono = await measureBaseline("hono");
  console.error(`  baselines: Bun.serve ${Math.round(bare.rps)} req/s, Hono ${Math.round(hono.rps)} req/s`);
  const shop = await measureShop();
  // Hono again after the shop: ratios use the mean, and the two runs' difference shows the noise
  const honoAgain = await measureBaseline("hono");
  const honoRps = (hono.rps + honoAgain.rps) / 2;
  const starts = await measureStarts();
  const checkout = await measureCheckoutRuns();

  const rows: Row[] = [
    { scenario: "bare Bun.serve (JSON)", ...bare, vsHono: bare.rps / honoRps },
    { scenario: "bare Hono (JSON)", ...hono, vsHono: hono.rps / honoRps },
    { scenario: "bare Hono (JSON), after the shop", ...honoAgain, vsHono: honoAgain.rps / honoRps },
    ...shop.rows.map((r) => ({ ...r, vsHono: r.rps / honoRps, target: targets[r.scenario] })),
  ];
  print(rows);
  console.log(
    `* vs the mean of the two bare Hono runs; they differ by ${Math.round((100 * Math.abs(hono.rps - honoAgain.rps)) / honoRps)}%, so ratios are ± that much`,
  );
  console.log(
    `\nshop RSS: ${shop.memory.idleMiB} MiB idle after seeding, ${shop.memory.afterMiB} MiB after the run (peak ${shop.memory.peakMiB} MiB)`,
  );
  console.log(
    `bun start to first 200 on /healthz: fresh ${starts.fresh.readyMs} ms (seeding included, RSS ${starts.fresh.rssMiB} MiB), ` +
      `warm ${starts.warm.readyMs} ms (RSS ${starts.warm.rssMiB} MiB); SIGTERM to exit ${starts.fresh.stopMs} / ${starts.warm.stopMs} ms`,
  );

  console.log(
    `checkout (add to cart, then check out; only the checkout timed), ${SECONDS} s each:\n${checkout.runs
      .map(
        (r) =>
          `  ${r.concurrency} concurrent buyers: ${r.perSecond.toFixed(0)} checkouts/s, p50 ${r.p50Ms.toFixed(1)} ms, p99 ${r.p99Ms.toFixed(1)} ms, ${r.errors} errors`,
      )
      .join("\n")}`,
  );

  const misses = rows.filter((r) => r.target !== undefined && r.vsHono! < r.target);
  const results = {
    at: new Date().toISOString(),
    bun: Bun.version,
    tool,
    pinning,
    connections: CONNECTIONS,
    seconds: SECONDS,
    warmupSeconds: WARMUP_SECONDS,
    loadAverageBefore: loadBefore,
    scenarios: rows,
    shopMemoryMiB: shop.memory,
    checkout,
    start: starts,
    misses: misses.map((r) => r.scenario),
    benchSeconds: Math.round((performance.now() - began) / 1000),
  };
  await Bun.write(join(root, ".bench", "results.json"), `${JSON.stringify(results, null, 2)}\n`);
  console.log(
    `\n${misses.length} of ${Object.keys(targets).length} targets missed; wrote .bench/results.json (${results.benchSeconds} s)`,
  );
  if (misses.length > 0 && options.check) process.exitCode = 1;
}

const options = readOptions(Bun.argv.slice(2));
if (options.help) {
  console.log(usage());
  process.exit(0);
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, async () => {
    stopLoad();
    await Promise.all([...children].map(stop));
    process.exit(130);
  });

try {
  await main(options);
} finally {
  await Promise.all([...children].map(stop));
}
