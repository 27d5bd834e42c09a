/**
 * `bun bench/hop-cost.ts [--seconds 8] [--warmup 20] [--connections 16] [--scenario cart-add,checkout]`:
 * where a cart write's and a checkout's CPU goes in the distributed shape. Starts the cluster once
 * (`bun run cluster`'s processes, two per service, through NGINX), warms its Bun processes' JIT with
 * the scenarios themselves, then runs each scenario for a few seconds and prints, per process group,
 * the CPU (user + system, every thread and child, from /proc) per headline call, what the group burns
 * idle taken out; beside it, the requests each service's log shows per call (public and internal hops)
 * and the SQL statements one call sends (from Postgres's own log). Run it through the shared lock:
 * `flock /work/wt/load.lock bun bench/hop-cost.ts`.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startCluster } from "../shapes/cluster/cluster.ts";
import { benchStaff, call, type Shopper, type Stock, signUpShoppers, stockProducts } from "./fixture.ts";
import { stopPinning } from "./load.ts";
import { cpuUs, freePort, loadAverage, processTree, root, scratch } from "./processes.ts";
import type { ShoppersOptions, ShoppersResult } from "./shoppers.ts";
import { recordStatements } from "./statement-log.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    seconds: { type: "string", default: "8" },
    warmup: { type: "string", default: "20" },
    connections: { type: "string", default: "16" },
    scenario: { type: "string", default: "cart-add,checkout" },
    json: { type: "string" },
    /** Every instance writes a CPU profile there on exit (BUN_OPTIONS=--cpu-prof); the windows are printed. */
    profile: { type: "string" },
  },
});
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const connections = Number(values.connections);
const scenarios = values.scenario.split(",") as ("cart-add" | "checkout" | "cart-add-guest")[];
const headline = { "cart-add": "cart.addItem", "cart-add-guest": "cart.addItem", checkout: "order.checkout" };

stopPinning();
const dir = mkdtempSync(join(tmpdir(), "fastr-hop-cost-"));
chmodSync(dir, 0o755);
const say = (line: string) => console.error(`  ${line}`);
const cluster = await startCluster({
  dir,
  port: freePort(),
  env: {
    LOG_LEVEL: "info",
    SIGNUP_LIMIT: "1000000",
    ...(values.profile && { BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${values.profile}` }),
  },
  prometheus: false,
  say: (line) => say(`cluster: ${line}`),
});

/** A stateful scenario in its own process (the cluster's load generator runs unpinned, as in bench/run.ts). */
async function shoppersRun(options: ShoppersOptions): Promise<ShoppersResult> {
  const file = join(scratch, `hop-cost-${options.scenario}.json`);
  await Bun.write(file, JSON.stringify(options));
  const proc = Bun.spawn([process.execPath, "bench/shoppers.ts", file], {
    cwd: root,
    stdout: "pipe",
    stderr: "pipe",
  });
  const [out, err, code] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const line = out.split("\n").find((l) => l.startsWith("BENCH "));
  if (code !== 0 || !line)
    throw new Error(`shoppers ${options.scenario} failed (exit ${code}): ${err || out}`);
  return JSON.parse(line.slice(6)) as ShoppersResult;
}

/** Process groups: each service's instances, and every server with its children. */
function groups(): Record<string, number[]> {
  const processes = JSON.parse(readFileSync(join(dir, "processes.json"), "utf8")) as {
    pgbouncer: number;
    redis: number;
    nginx: number;
  };
  const out: Record<string, number[]> = {};
  for (const i of cluster.instances) out[i.service] = [...(out[i.service] ?? []), i.pid];
  out.postgres = [
    cluster.postgres.primary.pid,
    ...(cluster.postgres.replica ? [cluster.postgres.replica.pid] : []),
  ];
  out.pgbouncer = [processes.pgbouncer];
  out.redis = [processes.redis];
  out.nginx = [processes.nginx];
  return out;
}
const cpuOf = (pids: number[]) =>
  pids.flatMap(processTree).reduce((sum, pid) => {
    try {
      return sum + cpuUs(pid);
    } catch {
      return sum; // gone meanwhile
    }
  }, 0);
const sample = () => Object.fromEntries(Object.entries(groups()).map(([name, pids]) => [name, cpuOf(pids)]));

/** CPU µs so far of each thread of the service instances, summed per service and thread name (main, JIT, GC…). */
function threadSample() {
  const out: Record<string, number> = {};
  for (const i of cluster.instances) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${i.pid}/task`);
    } catch {}
    for (const tid of tids) {
      try {
        const comm = readFileSync(`/proc/${i.pid}/task/${tid}/comm`, "utf8").trim().replace(/\d+$/, "#");
        const fields = readFileSync(`/proc/${i.pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
        const key = `${i.service} ${tid === String(i.pid) ? "main" : comm}`;
        out[key] = (out[key] ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10_000;
      } catch {}
    }
  }
  return out;
}

/** Log lines per service whose path is public (`/api/`) or internal (`/internal/`), since `offsets`. */
function logOffsets() {
  return Object.fromEntries(
    cluster.instances.map((i) => [i.name, statSync(join(dir, "logs", `${i.name}.log`)).size]),
  );
}
function requestsSince(offsets: Record<string, number>) {
  const counts: Record<string, { public: number; internal: number }> = {};
  for (const i of cluster.instances) {
    const text = readFileSync(join(dir, "logs", `${i.name}.log`), "utf8").slice(offsets[i.name]);
    counts[i.service] ??= { public: 0, internal: 0 };
    const c = counts[i.service]!;
    for (const line of text.split("\n")) {
      if (!line.includes('"msg":"request"')) continue;
      if (line.includes('"path":"/internal/')) c.internal++;
      else if (line.includes('"path":"/api/')) c.public++;
    }
  }
  return counts;
}

try {
  const staff = Bun.spawnSync(
    [
      process.execPath,
      "scripts/staff-create.ts",
      "--email",
      benchStaff.email,
      "--password",
      benchStaff.password,
    ],
    { cwd: root, env: { ...process.env, DATABASE_URL: cluster.databaseUrl, LOG_LEVEL: "warn" } },
  );
  if (staff.exitCode !== 0) throw new Error(`staff:create failed: ${staff.stderr.toString()}`);
  const stock: Stock = await stockProducts(cluster.url);
  const shoppers: Shopper[] = await signUpShoppers(cluster.url, connections + 1, "hop-cost");
  const spare = shoppers.pop()!;
  const run = (scenario: ShoppersOptions["scenario"], s: number) =>
    shoppersRun({ base: cluster.url, scenario, shoppers, stock, browse: [], seconds: s, warmupSeconds: 0 });

  if (warmup > 0) {
    say(`warming up (${warmup} s, not measured)`);
    for (const scenario of scenarios) await run(scenario, warmup / scenarios.length);
  }

  // SQL statements of one call each, from the servers' logs.
  const servers = [cluster.postgres.primary, cluster.postgres.replica].flatMap((node) =>
    node ? [{ url: node.url(), logFile: node.logFile }] : [],
  );
  const variantId = stock.products[0]!.variantId;
  const add = () => call(cluster.url, "cart/trpc/addItem", { variantId, quantity: 1 }, spare.token);
  const statements = {
    "cart.addItem": await recordStatements(servers, async () => void (await add())),
    "order.checkout": await (async () => {
      await add();
      await Bun.sleep(200);
      return recordStatements(servers, async () => {
        await call(
          cluster.url,
          "order/trpc/checkout",
          {
            idempotencyKey: crypto.randomUUID(),
            addressId: spare.addressId,
            paymentMethodId: "pm_card_visa",
          },
          spare.token,
        );
      });
    })(),
  };
  await Bun.sleep(1_000);

  const results: Record<string, unknown> = {};
  for (const scenario of scenarios) {
    const idleBefore = sample();
    const idleStart = performance.now();
    await Bun.sleep(2_000);
    const idleMs = performance.now() - idleStart;
    const idleAfter = sample();
    const offsets = logOffsets();
    const before = sample();
    const threadsBefore = threadSample();
    const started = performance.now();
    const fromUs = Date.now() * 1000;
    const load = loadAverage();
    const r = await run(scenario, seconds);
    const ms = performance.now() - started;
    const after = sample();
    const threadsAfter = threadSample();
    const hops = requestsSince(offsets);
    const kind = r.kinds[headline[scenario]];
    const calls = kind?.calls ?? 0;
    const errors = Object.values(r.kinds).reduce((n, k) => n + k.errors, 0);
    const perCall: Record<string, number> = {};
    for (const name of Object.keys(before)) {
      const idleRate = (idleAfter[name]! - idleBefore[name]!) / idleMs;
      perCall[name] = Math.max(0, after[name]! - before[name]! - idleRate * ms) / calls;
    }
    const total = Object.values(perCall).reduce((a, b) => a + b, 0);
    console.log(
      `\n${scenario} c=${connections}, ${seconds} s: ${calls} × ${headline[scenario]} (${kind?.perSecond.toFixed(0)}/s, p50 ${kind?.p50Ms.toFixed(1)} ms)${errors ? `, ${errors} ERRORS: ${r.firstErrors.join(" | ")}` : ""}; load average ${load}`,
    );
    console.log("  group          CPU µs/call   requests/call (public + internal)");
    for (const [name, us] of Object.entries(perCall).sort((a, b) => b[1] - a[1])) {
      const h = hops[name];
      console.log(
        `  ${name.padEnd(14)}${Math.round(us).toString().padStart(11)}   ${h ? `${(h.public / calls).toFixed(2)} + ${(h.internal / calls).toFixed(2)}` : ""}`,
      );
    }
    console.log(`  ${"total".padEnd(14)}${Math.round(total).toString().padStart(11)}`);
    const threads = Object.entries(threadsAfter)
      .map(([k, v]) => [k, (v - (threadsBefore[k] ?? 0)) / calls] as const)
      .filter(([, us]) => us >= 50)
      .sort((a, b) => b[1] - a[1]);
    console.log(
      `  by thread (µs/call, idle not taken out): ${threads.map(([k, us]) => `${k} ${Math.round(us)}`).join(", ")}`,
    );
    const window = { fromUs, toUs: Date.now() * 1000 };
    results[scenario] = { calls, perSecond: kind?.perSecond, errors, perCall, hops, load, window };
  }
  for (const [name, list] of Object.entries(statements)) {
    const sql = list.filter((s) => "sql" in s) as { sql: string }[];
    console.log(`\nSQL statements of one ${name}: ${sql.length} (besides BEGIN/COMMIT)`);
    for (const s of sql) console.log(`  ${s.sql.replace(/\s+/g, " ").slice(0, 140)}`);
  }
  const pids = Object.fromEntries(cluster.instances.map((i) => [i.pid, i.name]));
  if (values.json) await Bun.write(values.json, JSON.stringify({ results, statements, pids }, null, 2));
} finally {
  await cluster.stop();
  rmSync(dir, { recursive: true, force: true });
}
