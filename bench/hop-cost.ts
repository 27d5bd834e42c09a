/**
 * `bun bench/hop-cost.ts [--seconds 8] [--warmup 20] [--connections 16] [--scenario cart-add,cart-read,checkout]
 * [--trees DIR,DIR] [--profile DIR]`: where a cart write's and a checkout's CPU goes in the distributed
 * shape. Starts the cluster (`bun run cluster`'s processes, two per service, through NGINX) — with
 * `--trees`, one cluster per source tree (another checkout of the repository, e.g. the commit before a
 * change), all loaded at the same time so that a neighbour's burst weighs on each alike (on a shared
 * machine the CPU per call moves ±30% with the load average, which makes runs one after the other
 * hard to compare). It warms the Bun processes' JIT with the scenarios themselves, then runs each
 * scenario for a few seconds and prints, per process group, the CPU (user + system, every thread and
 * child, from /proc) per headline call, what the group burns idle taken out; beside it, the requests
 * each service's log shows per call (public and internal hops), and the SQL statements one call
 * sends (from Postgres's own log). Run it through the shared lock: `flock /work/wt/load.lock bun bench/hop-cost.ts`.
 */
import { chmodSync, mkdtempSync, readdirSync, readFileSync, rmSync, statSync } from "node:fs";
import { tmpdir } from "node:os";
import { basename, join, resolve } from "node:path";
import { parseArgs } from "node:util";
import type { Cluster, startCluster as StartCluster } from "../shapes/cluster/cluster.ts";
import {
  call,
  createBenchStaff,
  type Shopper,
  type Stock,
  signUpShoppers,
  stockProducts,
} from "./fixture.ts";
import { stopPinning } from "./load.ts";
import { cpuUs, freePort, loadAverage, processTree, root } from "./processes.ts";
import type { ShoppersOptions } from "./shoppers.ts";
import { runShoppers } from "./shoppers-process.ts";
import { recordStatements } from "./statement-log.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    seconds: { type: "string", default: "8" },
    warmup: { type: "string", default: "20" },
    connections: { type: "string", default: "16" },
    scenario: { type: "string", default: "cart-add,checkout" },
    /** Source trees to measure side by side (this one by default). */
    trees: { type: "string", default: root },
    json: { type: "string" },
    /** Every instance writes a CPU profile there on exit (BUN_OPTIONS=--cpu-prof). */
    profile: { type: "string" },
  },
});
const seconds = Number(values.seconds);
const warmup = Number(values.warmup);
const connections = Number(values.connections);
const scenarios = values.scenario.split(",") as ("cart-add" | "checkout" | "cart-add-guest" | "cart-read")[];
const headline = {
  "cart-add": "cart.addItem",
  "cart-add-guest": "cart.addItem",
  "cart-read": "cart.get",
  checkout: "order.checkout",
};
const say = (line: string) => console.error(`  ${line}`);
stopPinning();

type Subject = {
  label: string;
  tree: string;
  dir: string;
  cluster: Cluster;
  stock: Stock;
  shoppers: Shopper[];
  spare: Shopper;
};

/** Process groups: each service's instances, and every server with its children. */
function groups({ cluster, dir }: Subject): Record<string, number[]> {
  const processes = JSON.parse(readFileSync(join(dir, "processes.json"), "utf8")) as {
    redis: number;
    nginx: number;
  };
  const out: Record<string, number[]> = {};
  for (const i of cluster.instances) out[i.service] = [...(out[i.service] ?? []), i.pid];
  out.postgres = [
    cluster.postgres.primary.pid,
    ...(cluster.postgres.replica ? [cluster.postgres.replica.pid] : []),
  ];
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
const sample = (s: Subject) =>
  Object.fromEntries(Object.entries(groups(s)).map(([name, pids]) => [name, cpuOf(pids)]));

/** CPU µs so far of each thread of the service instances, summed per service and thread name (main, JIT, GC…). */
function threadSample({ cluster }: Subject) {
  const out: Record<string, number> = {};
  for (const i of cluster.instances) {
    let tids: string[] = [];
    try {
      tids = readdirSync(`/proc/${i.pid}/task`);
    } catch {}
    for (const tid of tids) {
      try {
        const comm = readFileSync(`/proc/${i.pid}/task/${tid}/comm`, "utf8").trim();
        const fields = readFileSync(`/proc/${i.pid}/task/${tid}/stat`, "utf8").split(") ")[1]!.split(" ");
        const key = `${i.service} ${tid === String(i.pid) ? "main" : comm}`;
        out[key] = (out[key] ?? 0) + (Number(fields[11]) + Number(fields[12])) * 10_000;
      } catch {}
    }
  }
  return out;
}

/** Per service, log lines of public (`/api/`) and internal (`/internal/`) requests since `offsets`. */
function logOffsets({ cluster, dir }: Subject) {
  return Object.fromEntries(
    cluster.instances.map((i) => [i.name, statSync(join(dir, "logs", `${i.name}.log`)).size]),
  );
}
function requestsSince({ cluster, dir }: Subject, offsets: Record<string, number>) {
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

async function start(tree: string, index: number): Promise<Subject> {
  const { startCluster } = (await import(join(tree, "shapes/cluster/cluster.ts"))) as {
    startCluster: typeof StartCluster;
  };
  const label = `${index + 1}:${basename(tree)}`;
  const dir = mkdtempSync(join(tmpdir(), "fastr-hop-cost-"));
  chmodSync(dir, 0o755);
  const cluster = await startCluster({
    dir,
    port: freePort(),
    env: {
      LOG_LEVEL: "info",
      SIGNUP_LIMIT: "1000000",
      ...(values.profile && { BUN_OPTIONS: `--cpu-prof --cpu-prof-dir=${values.profile}` }),
    },
    prometheus: false,
    say: (line) => say(`${label}: ${line}`),
  });
  try {
    createBenchStaff(tree, cluster.databaseUrl);
    const stock = await stockProducts(cluster.url);
    const shoppers = await signUpShoppers(cluster.url, connections + 1, "hop-cost");
    const spare = shoppers.pop()!;
    return { label, tree, dir, cluster, stock, shoppers, spare };
  } catch (error) {
    await cluster.stop();
    throw error;
  }
}

/** The SQL statements of one addItem and one checkout, from the servers' logs. */
async function statementsOf({ cluster, stock, spare }: Subject) {
  const servers = [cluster.postgres.primary, cluster.postgres.replica].flatMap((node) =>
    node ? [{ url: node.url(), logFile: node.logFile }] : [],
  );
  const variantId = stock.products[0]!.variantId;
  const add = () => call(cluster.url, "cart/trpc/addItem", { variantId, quantity: 1 }, spare.token);
  const addItem = await recordStatements(servers, async () => void (await add()));
  await add();
  await Bun.sleep(200);
  const checkout = await recordStatements(servers, async () => {
    await call(
      cluster.url,
      "order/trpc/checkout",
      { idempotencyKey: crypto.randomUUID(), addressId: spare.addressId, paymentMethodId: "pm_card_visa" },
      spare.token,
    );
  });
  return { "cart.addItem": addItem, "order.checkout": checkout };
}

const subjects: Subject[] = [];
try {
  const trees = values.trees.split(",").map((t) => resolve(t));
  for (const [i, tree] of trees.entries()) subjects.push(await start(tree, i));
  const run = (s: Subject, scenario: ShoppersOptions["scenario"], secs: number) =>
    // Unpinned: the cluster's load generator runs as in bench/run.ts.
    runShoppers(
      {
        base: s.cluster.url,
        scenario,
        shoppers: s.shoppers,
        stock: s.stock,
        browse: [],
        seconds: secs,
        warmupSeconds: 0,
      },
      { name: `hop-cost-${s.label.replace(/\W+/g, "-")}-${scenario}` },
    );

  if (warmup > 0) {
    say(`warming up (${warmup} s, not measured)`);
    for (const scenario of scenarios)
      await Promise.all(subjects.map((s) => run(s, scenario, warmup / scenarios.length)));
  }
  const statements = [];
  for (const s of subjects) statements.push(await statementsOf(s));
  await Bun.sleep(1_000);

  const results: Record<string, Record<string, unknown>> = {};
  /**
   * CPU µs per ms each group burns with no load, the lowest seen so far: right after a scenario the
   * JIT and GC threads may still be busy, and taking that out would make a call look cheaper than it is.
   */
  const idle: Record<string, number>[] = subjects.map(() => ({}));
  for (const scenario of scenarios) {
    await Bun.sleep(3_000);
    const idleBefore = subjects.map(sample);
    const idleStart = performance.now();
    await Bun.sleep(3_000);
    const idleMs = performance.now() - idleStart;
    for (const [i, s] of subjects.entries()) {
      const now = sample(s);
      for (const name of Object.keys(now)) {
        const rate = (now[name]! - idleBefore[i]![name]!) / idleMs;
        idle[i]![name] = Math.min(idle[i]![name] ?? rate, rate);
      }
    }
    const offsets = subjects.map(logOffsets);
    const before = subjects.map(sample);
    const threadsBefore = subjects.map(threadSample);
    const started = performance.now();
    const fromUs = Date.now() * 1000;
    const load = loadAverage();
    const runs = await Promise.all(subjects.map((s) => run(s, scenario, seconds)));
    const ms = performance.now() - started;
    const after = subjects.map(sample);
    const threadsAfter = subjects.map(threadSample);
    const window = { fromUs, toUs: Date.now() * 1000 };
    console.log(`\n${scenario} c=${connections}, ${seconds} s, load average ${load} → ${loadAverage()}`);
    const perCalls = subjects.map((s, i) => {
      const r = runs[i]!;
      const kind = r.kinds[headline[scenario]];
      const calls = kind?.calls ?? 0;
      const errors = Object.values(r.kinds).reduce((n, k) => n + k.errors, 0);
      const hops = requestsSince(s, offsets[i]!);
      const perCall: Record<string, number> = {};
      for (const name of Object.keys(before[i]!)) {
        perCall[name] = Math.max(0, after[i]![name]! - before[i]![name]! - idle[i]![name]! * ms) / calls;
      }
      const threads = Object.entries(threadsAfter[i]!)
        .map(([k, v]) => [k, (v - (threadsBefore[i]![k] ?? 0)) / calls] as const)
        .filter(([, us]) => us >= 100)
        .sort((a, b) => b[1] - a[1]);
      console.log(
        `  ${s.label}: ${calls} × ${headline[scenario]} (${kind?.perSecond.toFixed(0)}/s, p50 ${kind?.p50Ms.toFixed(1)} ms)${errors ? `, ${errors} ERRORS: ${r.firstErrors.join(" | ")}` : ""}`,
      );
      console.log(
        `    by thread (µs/call, idle not taken out): ${threads.map(([k, us]) => `${k} ${Math.round(us)}`).join(", ")}`,
      );
      results[scenario] ??= {};
      results[scenario][s.label] = {
        calls,
        perSecond: kind?.perSecond,
        errors,
        perCall,
        hops,
        load,
        window,
      };
      return { perCall, hops, calls };
    });
    console.log(
      `  ${"CPU µs per call".padEnd(16)}${subjects.map((s) => s.label.slice(0, 22).padStart(24)).join("")}    requests/call (public + internal)`,
    );
    const names = Object.keys(perCalls[0]!.perCall).sort(
      (a, b) => perCalls[0]!.perCall[b]! - perCalls[0]!.perCall[a]!,
    );
    for (const name of [...names, "total"]) {
      const cells = perCalls.map((p) =>
        name === "total"
          ? Object.values(p.perCall).reduce((a, b) => a + b, 0)
          : (p.perCall[name] ?? Number.NaN),
      );
      const h = perCalls.at(-1)!.hops[name];
      const calls = perCalls.at(-1)!.calls;
      console.log(
        `  ${name.padEnd(16)}${cells.map((us) => Math.round(us).toString().padStart(24)).join("")}    ${h ? `${(h.public / calls).toFixed(2)} + ${(h.internal / calls).toFixed(2)}` : ""}`,
      );
    }
  }
  for (const [i, s] of subjects.entries())
    for (const [name, list] of Object.entries(statements[i]!)) {
      const sql = list.filter((x) => "sql" in x) as { sql: string }[];
      console.log(`\n${s.label}: SQL statements of one ${name}: ${sql.length} (besides BEGIN/COMMIT)`);
      for (const x of sql) console.log(`  ${x.sql.replace(/\s+/g, " ").slice(0, 140)}`);
    }
  const pids = Object.fromEntries(
    subjects.flatMap((s) => s.cluster.instances.map((i) => [i.pid, `${s.label} ${i.name}`])),
  );
  if (values.json) await Bun.write(values.json, JSON.stringify({ results, statements, pids }, null, 2));
} finally {
  for (const s of subjects) {
    await s.cluster.stop();
    rmSync(s.dir, { recursive: true, force: true });
  }
}
