/**
 * `bun bench/cpu-cost.ts [--seconds 2] [--connections 64]`: the server's CPU time per request
 * (user + system, every thread, from /proc), for bare Hono and the embedded shop's `/healthz` and
 * cached catalog reads, each under a short load. CPU per request says what a change to the request
 * path saved even on a busy machine, where req/s mostly say how busy the neighbours were. What the
 * server burns while idle (the shop's outbox relay polls) is measured first and taken out.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { load } from "./load.ts";
import { cpuUs, loadAverage, ready, scratch, spawnServer, stop } from "./processes.ts";
import { catalogPaths } from "./scenarios.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: { seconds: { type: "string", default: "2" }, connections: { type: "string", default: "64" } },
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);

/** Waits (up to 20 s) until the process has settled: under 10% of a core over half a second. */
async function settled(pid: number) {
  for (let tries = 0; tries < 40; tries++) {
    const before = cpuUs(pid);
    await Bun.sleep(500);
    if (cpuUs(pid) - before < 50_000) return;
  }
}

/** CPU µs per second the process uses with no request in flight. */
async function idleRate(pid: number, ms = 2_000) {
  const before = cpuUs(pid);
  await Bun.sleep(ms);
  return ((cpuUs(pid) - before) * 1000) / ms;
}

type Row = { name: string; rps: number; cpuUsPerRequest: number; idleMsPerSecond: number };

async function measure(name: string, pid: number, url: string, idleUsPerSecond: number): Promise<Row> {
  if ((await fetch(url)).status !== 200) throw new Error(`${name}: ${url} does not answer 200`);
  await load({ url, seconds: 1, warmupSeconds: 0, connections });
  const before = { cpu: cpuUs(pid), at: performance.now() };
  const result = await load({ url, seconds, warmupSeconds: 0, connections });
  const idle = (idleUsPerSecond * (performance.now() - before.at)) / 1000;
  const used = cpuUs(pid) - before.cpu - idle;
  if (result.errors > 0) throw new Error(`${name}: ${result.errors} failed requests`);
  return {
    name,
    rps: result.rps,
    cpuUsPerRequest: used / result.requests,
    idleMsPerSecond: idleUsPerSecond / 1000,
  };
}

async function server(
  argv: string[],
  name: string,
  run: (base: string, pid: number, idleUsPerSecond: number) => Promise<Row[]>,
) {
  const logFile = join(scratch, `cpu-cost-${name}.log`);
  await Bun.write(logFile, "");
  const proc = spawnServer(argv, logFile);
  try {
    const [port] = await ready(proc, logFile);
    await settled(proc.pid); // start-up work (the shop relays its seeding's events) is not a request's
    return await run(`http://127.0.0.1:${port}`, proc.pid, await idleRate(proc.pid));
  } finally {
    await stop(proc, 15_000);
  }
}

const loadBefore = loadAverage();
const rows = [
  ...(await server([process.execPath, "bench/baselines.ts", "hono", "0"], "hono", (base, pid, idle) =>
    Promise.all([measure("bare Hono", pid, `${base}/`, idle)]),
  )),
  ...(await server([process.execPath, "bench/serve-shop.ts", "0"], "shop", async (base, pid, idle) => {
    const paths = await catalogPaths(base);
    const out: Row[] = [];
    for (const [name, path] of [
      ["/healthz", "/healthz"],
      ["product.list (cached)", paths.list],
      ["product.get (cached)", paths.get],
      ["product.categories (cached)", paths.categories],
    ] as const)
      out.push(await measure(name, pid, base + path, idle));
    return out;
  })),
];

const hono = rows[0]!;
console.log(
  `c=${connections}, ${seconds} s each; load average ${loadBefore} → ${loadAverage()} (2 cores shared: req/s mean little)`,
);
console.log(
  "                               req/s   CPU µs/req   CPU vs bare Hono   idle CPU ms/s (taken out)",
);
for (const row of rows)
  console.log(
    `  ${row.name.padEnd(28)}${Math.round(row.rps).toString().padStart(7)}${row.cpuUsPerRequest.toFixed(1).padStart(13)}${(hono.cpuUsPerRequest / row.cpuUsPerRequest).toFixed(2).padStart(18)}×${Math.round(row.idleMsPerSecond).toString().padStart(14)}`,
  );
