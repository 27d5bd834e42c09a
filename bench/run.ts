/**
 * `bun run bench`: the shop's throughput, latency, errors and memory next to the ceilings it is
 * measured against, all in the same run. Prints a table and writes markdown + JSON to bench/results/.
 * Targets are ratios to a baseline of the same run (targets.ts); `--check` exits 1 on a miss.
 */
import { chmodSync, cpSync, mkdtempSync, rmSync } from "node:fs";
import { mkdtemp, rm } from "node:fs/promises";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { parseArgs } from "node:util";
import type { Subprocess } from "bun";
import { query as pgQuery } from "../shapes/cluster/postgres.ts";
import { startCountingOtlpReceiver } from "../test/support/otlp-receiver.ts";
import {
  type CheckoutScript,
  checkoutScript,
  parameterTypes,
  pgbenchScript,
  statementCount,
} from "./checkout-sql.ts";
import {
  benchStaff,
  call,
  createBenchStaff,
  type Shopper,
  type Stock,
  seedThroughApi,
  signUpShoppers,
  stockProducts,
} from "./fixture.ts";
import { load, pinned, pinning, sampleOf, stopLoad, stopPinning, tool } from "./load.ts";
import { startNginxProxy, startNginxStatic } from "./nginx.ts";
import { type PgbenchMode, pgbench } from "./pgbench.ts";
import {
  freePort,
  loadAverage,
  type Memory,
  memorySampler,
  ready,
  root,
  rssMiB,
  scratch,
  spawnServer,
  stop,
  stopAll,
} from "./processes.ts";
import { writeResults } from "./report.ts";
import { catalogPaths, query } from "./scenarios.ts";
import type { CapturedStatement } from "./serve-shop.ts";
import type { ShoppersOptions } from "./shoppers.ts";
import { runShoppers } from "./shoppers-process.ts";
import { recordStatements } from "./statement-log.ts";
import { compareStock, type InvariantResult, STOCKED_SQL, type StockRow } from "./stock-invariant.ts";
import { evaluate, type Row, SCENARIOS, type Target, TRACED_SCENARIOS } from "./targets.ts";

const usage =
  () => `usage: bun run bench [--scenario NAME[,NAME…]] [--duration S] [--connections N[,N…]] [--cluster] [--check]

Measures the embedded shop (and with --cluster the distributed shape through NGINX) next to its
baselines, in the same run: ${tool} for stateless GETs, a Bun load loop (bench/shoppers.ts) for
sessions and carts; ${pinning()} (the cluster runs unpinned). Each scenario runs at every connection
count: a warm-up, then the measured run. Prints a table and writes bench/results/latest.{md,json}.
A full run takes several minutes and both cores: run it on an otherwise idle machine.

scenarios (the baselines a selected scenario is compared with run too):
${Object.entries(SCENARIOS)
  .map(([name, s]) => `  ${name.padEnd(22)}${s.what}`)
  .join("\n")}

options:
  --scenario NAME      only these scenarios (repeat it, or separate names with commas)
  --duration S         measured seconds per scenario and connection count (default 5)
  --warmup S           warm-up seconds before each (default 2; 0 = none)
  --cluster-warmup S   with --cluster: mixed shoppers for S seconds once, before the cluster's first
                       scenario (default 20; 0 = none): each of its fourteen Bun processes compiles
                       its own code, and in the first ~20 s under load their JIT threads take a third
                       of their CPU, which a long-running cluster no longer pays
  --connections N,N    connection counts (virtual shoppers for stateful scenarios; default 16,64)
  --cluster            also the distributed shape (bun run cluster's processes, through NGINX; the
                       demo catalog seeded through the staff API; pgbench of the checkout's SQL
                       as recorded from the cluster's Postgres log)
  --tracing            also list, get and checkout on two fresh embedded shops side by side, loaded at
                       the same time: one untraced, one with every request traced (OTEL at 100%
                       sampling, spans exported over OTLP to a receiver that drops them); tracing's
                       cost is the second's rate against the first's
  --no-embedded        with --cluster: the cluster only
  --check              exit 1 when a target is missed, a request failed or the stock invariant broke
  --help               print this and exit

environment:
  BENCH_LOAD=bun       the Bun load loop even for stateless GETs, when wrk is installed`;

type Options = {
  scenarios: string[];
  duration: number;
  warmup: number;
  clusterWarmup: number;
  connections: number[];
  cluster: boolean;
  embedded: boolean;
  tracing: boolean;
  check: boolean;
};

/** The command line; anything it does not understand is said before any work starts (exit 2). */
function readOptions(args: string[]): Options | "help" {
  const fail = (message: string): never => {
    console.error(`bench: ${message}\n\n${usage()}`);
    process.exit(2);
  };
  let values: Record<string, string | boolean | string[] | undefined>;
  try {
    values = parseArgs({
      args,
      options: {
        scenario: { type: "string", multiple: true },
        duration: { type: "string", default: "5" },
        warmup: { type: "string", default: "2" },
        "cluster-warmup": { type: "string", default: "20" },
        connections: { type: "string", default: "16,64" },
        cluster: { type: "boolean", default: false },
        tracing: { type: "boolean", default: false },
        "no-embedded": { type: "boolean", default: false },
        check: { type: "boolean", default: false },
        help: { type: "boolean", default: false },
      },
      strict: true,
      allowPositionals: false,
    }).values;
  } catch (error) {
    return fail((error as Error).message);
  }
  if (values.help) return "help";
  const number = (name: string, min: number, max: number) => {
    const n = Number(values[name]);
    if (!Number.isFinite(n) || n < min || n > max)
      fail(`--${name} must be a number from ${min} to ${max}, got "${values[name]}"`);
    return n;
  };
  const scenarios = ((values.scenario as string[] | undefined) ?? [])
    .flatMap((s) => s.split(","))
    .filter(Boolean);
  for (const s of scenarios) if (!(s in SCENARIOS)) fail(`unknown scenario "${s}" (see the list below)`);
  const connections = String(values.connections)
    .split(",")
    .map((c) => Number(c));
  if (connections.some((c) => !Number.isInteger(c) || c < 1 || c > 1024))
    fail(`--connections takes whole numbers from 1 to 1024, got "${values.connections}"`);
  if (values["no-embedded"] && !values.cluster) fail("--no-embedded needs --cluster");
  return {
    scenarios: scenarios.length ? withBaselines(scenarios, Boolean(values.cluster)) : Object.keys(SCENARIOS),
    duration: number("duration", 0.2, 600),
    warmup: number("warmup", 0, 600),
    clusterWarmup: number("cluster-warmup", 0, 600),
    connections,
    cluster: Boolean(values.cluster),
    embedded: !values["no-embedded"],
    tracing: Boolean(values.tracing),
    check: Boolean(values.check),
  };
}

/** A scenario's targets compare it with these, so they run with it. */
function withBaselines(scenarios: string[], cluster: boolean) {
  const needs: Record<string, string[]> = {
    healthz: ["bare-hono"],
    list: ["bare-hono", ...(cluster ? ["nginx-static", "nginx-hono", "nginx-hono-headers"] : [])],
    "list-category": ["bare-hono"],
    get: ["bare-hono", ...(cluster ? ["nginx-static", "nginx-hono", "nginx-hono-headers"] : [])],
    categories: ["bare-hono", ...(cluster ? ["nginx-static", "nginx-hono", "nginx-hono-headers"] : [])],
    search: ["bare-hono"],
    "cart-add": ["db-pglite", ...(cluster ? ["db-pg-nginx"] : [])],
    "cart-read": ["db-pglite"],
    checkout: ["pglite-checkout-sql", ...(cluster ? ["pgbench-checkout", "pgbench-checkout-simple"] : [])],
    "list-while-buying": ["list"],
  };
  return [...new Set(scenarios.flatMap((s) => [s, ...(needs[s] ?? [])]))];
}

const rows: Row[] = [];
const notes: string[] = [];
const say = (line: string) => console.error(`  ${line}`);
const record = (row: Row) => {
  rows.push(row);
  say(
    `${row.shape} ${row.scenario} c=${row.connections}: ${Math.round(row.rps)}/s, p99 ${row.p99Ms.toFixed(1)} ms${row.errors ? `, ${row.errors} errors` : ""}`,
  );
};

/**
 * A meeting point for shops measured side by side: each caller waits until `parties` have called,
 * then all go on together, and it starts over. `abandon()` (a shop failed) lets every caller through.
 */
function rendezvous(parties: number) {
  let waiting: (() => void)[] = [];
  let abandoned = false;
  const release = () => {
    const all = waiting;
    waiting = [];
    for (const go of all) go();
  };
  return Object.assign(
    () =>
      new Promise<void>((go) => {
        waiting.push(go);
        if (abandoned || waiting.length === parties) release();
      }),
    {
      abandon() {
        abandoned = true;
        release();
      },
    },
  );
}
type Together = ReturnType<typeof rendezvous>;

/** A stateless GET scenario: one 200 first (a run of errors measures nothing), then the load runs. */
async function measureGet(
  o: Options,
  shape: Row["shape"],
  scenario: string,
  url: string,
  headers = {},
  together?: Together,
) {
  const probe = sampleOf(url);
  const response = await fetch(probe, { headers });
  const body = await response.text();
  if (response.status !== 200)
    throw new Error(`${scenario}: ${probe} answered ${response.status} ${body.slice(0, 300)}`);
  for (const connections of o.connections) {
    await together?.();
    const r = await load({ url, headers, seconds: o.duration, warmupSeconds: o.warmup, connections });
    record({ shape, scenario, connections, ...r, bodyBytes: Buffer.byteLength(body) });
  }
  return body;
}

/** A stateful scenario in its own process on the load core. */
const shoppersOnLoadCore = (options: ShoppersOptions) =>
  runShoppers(options, {
    name: `${options.scenario}-${options.shoppers.length}`,
    wrap: (argv) => pinned(1, argv),
  });

/** Which kind of call is a stateful scenario's headline figure. */
const headline: Record<string, string> = {
  "cart-add": "cart.addItem",
  "cart-add-guest": "cart.addItem",
  "cart-read": "cart.get",
  checkout: "order.checkout",
  mixed: "catalog read",
};

async function measureStateful(
  o: Options,
  shape: Row["shape"],
  scenario: keyof typeof headline,
  base: string,
  shoppers: Shopper[],
  stock: Stock,
  browse: string[],
  together?: Together,
) {
  for (const connections of o.connections) {
    await together?.();
    const r = await shoppersOnLoadCore({
      base,
      scenario: scenario as ShoppersOptions["scenario"],
      shoppers: shoppers.slice(0, connections),
      stock,
      browse,
      seconds: o.duration,
      warmupSeconds: o.warmup,
    });
    const main = r.kinds[headline[scenario]!] ?? { perSecond: 0, p50Ms: 0, p99Ms: 0, errors: 0, calls: 0 };
    const errors = Object.values(r.kinds).reduce((s, k) => s + k.errors, 0);
    record({
      shape,
      scenario,
      connections,
      requests: main.calls,
      rps: main.perSecond,
      p50Ms: main.p50Ms,
      p99Ms: main.p99Ms,
      errors,
      kinds: r.kinds,
      ...(r.catalogReads !== undefined && { hitRatio: r.catalogHits! / Math.max(1, r.catalogReads) }),
    });
    if (r.firstErrors.length)
      notes.push(`${shape} ${scenario} c=${connections}: ${r.firstErrors.join(" | ")}`);
  }
}

/** Catalog reads at `connections` while 4 buyers check out (the issue's "the cache dies whenever anyone buys"). */
async function measureListWhileBuying(
  o: Options,
  shape: Row["shape"],
  base: string,
  url: string,
  buyers: Shopper[],
  stock: Stock,
) {
  for (const connections of o.connections) {
    const buying = shoppersOnLoadCore({
      base,
      scenario: "buyers",
      shoppers: buyers,
      stock,
      browse: [],
      seconds: o.duration + o.warmup + 1,
      warmupSeconds: 0,
    });
    await Bun.sleep(500);
    const r = await load({ url, seconds: o.duration, warmupSeconds: o.warmup, connections });
    const bought = await buying;
    record({
      shape,
      scenario: "list-while-buying",
      connections,
      ...r,
      kinds: bought.kinds,
      errors: r.errors + Object.values(bought.kinds).reduce((s, k) => s + k.errors, 0),
    });
  }
}

function wants(o: Options, ...names: string[]) {
  return names.some((n) => o.scenarios.includes(n));
}

type ShopHandle = {
  shape: Row["shape"];
  base: string;
  stockRows: () => Promise<StockRow[]>;
  /** Seconds of mixed shoppers before the first scenario, not measured (JIT warm-up). */
  warmupSeconds?: number;
  /** Measured side by side with another shop: each measurement starts when both are ready for it. */
  together?: Together;
  /**
   * The checkout's own SQL: `record` captures every statement `checkout` makes the shop run;
   * `replay` runs the script built from two captures without the shop, at a connection count.
   */
  checkoutSql?: {
    scenarios: string[];
    record: (checkout: () => Promise<void>) => Promise<CapturedStatement[]>;
    replay: (script: CheckoutScript, connections: number) => Promise<void>;
  };
};

/** Every selected shop scenario against one running shop (embedded or the cluster). */
async function measureShop(o: Options, shop: ShopHandle) {
  const { shape, base } = shop;
  const paths = await catalogPaths(base);
  const stockBefore = await shop.stockRows();
  const statefulNames = ["cart-add", "cart-add-guest", "cart-read", "checkout", "mixed", "list-while-buying"];
  const needsFixture = wants(o, ...statefulNames, ...(shop.checkoutSql?.scenarios ?? []));
  const maxShoppers = Math.max(...o.connections);
  const stock = needsFixture ? await stockProducts(base) : { categorySlug: "", products: [] };
  const shoppers = needsFixture ? await signUpShoppers(base, maxShoppers + 1, shape) : [];
  const browse = [
    paths.list,
    paths.categories,
    ...stock.products.slice(0, 4).map((p) => query("product", "get", { slug: p.slug })),
    query("product", "list", { category: stock.categorySlug || undefined, limit: 24 }),
    paths.get,
  ];
  if (shop.warmupSeconds && needsFixture) {
    say(`${shape}: warming up with mixed shoppers for ${shop.warmupSeconds} s (not measured)`);
    await shoppersOnLoadCore({
      base,
      scenario: "mixed",
      shoppers: shoppers.slice(0, 16),
      stock,
      browse,
      seconds: shop.warmupSeconds,
      warmupSeconds: 0,
    });
  }

  let listBody = "";
  const gets: [string, string][] = [
    ["healthz", "/healthz"],
    ["list", paths.list],
    ["list-category", paths.listCategory],
    ["get", paths.get],
    ["categories", paths.categories],
    ["search", paths.search],
  ];
  for (const [scenario, path] of gets) {
    if (!wants(o, scenario, ...(scenario === "list" ? ["list-while-buying"] : []))) continue;
    const body = await measureGet(o, shape, scenario, base + path, {}, shop.together);
    if (scenario === "list") listBody = body;
  }
  for (const scenario of ["cart-add", "cart-add-guest", "cart-read", "checkout", "mixed"] as const)
    if (wants(o, scenario))
      await measureStateful(o, shape, scenario, base, shoppers, stock, browse, shop.together);
  if (wants(o, "list-while-buying"))
    await measureListWhileBuying(o, shape, base, base + paths.list, shoppers.slice(0, 4), stock);

  // The checkout's own SQL, recorded from two checkouts of the spare shopper.
  let script: CheckoutScript | undefined;
  const sql = shop.checkoutSql;
  if (sql && wants(o, ...sql.scenarios)) {
    script = await recordCheckout(shape, base, shoppers.at(-1)!, stock, sql.record);
    for (const c of o.connections) await sql.replay(script, c);
  }
  if (!listBody && wants(o, "nginx-static")) listBody = await (await fetch(base + paths.list)).text();

  // Let sagas and consumers finish what the last requests started, then check the stock.
  await Bun.sleep(1_000);
  const invariant = compareStock(stockBefore, await shop.stockRows());
  say(
    `${shape} stock invariant: ${invariant.ok ? "holds" : "BROKEN"} (${invariant.sold} units sold, ${invariant.held} held)`,
  );
  return { listBody, invariant, script, stock, shoppers };
}

/** Two checkouts of one shopper (one unit of the first bench product each), each recorded by `record`. */
async function recordCheckout(
  shape: Row["shape"],
  base: string,
  shopper: Shopper,
  stock: Stock,
  record: (checkout: () => Promise<void>) => Promise<CapturedStatement[]>,
): Promise<CheckoutScript> {
  const once = async () => {
    await call(
      base,
      "cart/trpc/addItem",
      { variantId: stock.products[0]!.variantId, quantity: 1 },
      shopper.token,
    );
    await Bun.sleep(200); // what the add started (events, consumers) is done before recording
    return record(async () => {
      await call(
        base,
        "order/trpc/checkout",
        {
          idempotencyKey: crypto.randomUUID(),
          addressId: shopper.addressId,
          paymentMethodId: "pm_card_visa",
        },
        shopper.token,
      );
    });
  };
  const first = await once();
  const script = checkoutScript(first, await once());
  const file = join(scratch, `checkout-${shape.replace(/\W+/g, "-")}.json`);
  await Bun.write(file, JSON.stringify(script, null, 2));
  say(
    `${shape} checkout SQL: ${statementCount(script)} statements, ${script.fresh} ids per checkout (${file.slice(root.length + 1)})`,
  );
  return script;
}

const memory: Record<string, Memory> = {};
const results: Record<string, unknown> = {};

/**
 * The embedded shop under `o`'s scenarios. `variant`: a fresh shop for the tracing comparison, traced
 * (with `env`, OTLP settings) or its untraced pair (without).
 */
async function runEmbedded(
  o: Options,
  variant?: { shape: "embedded traced" | "embedded paired"; env: Record<string, string>; together: Together },
) {
  const shape: Row["shape"] = variant?.shape ?? "embedded";
  const dir = join(scratch, shape.replace(" ", "-"));
  const logFile = join(dir, "shop.log");
  await Bun.write(logFile, "");
  const started = performance.now();
  const proc = spawnServer([process.execPath, "bench/serve-shop.ts", "0"], logFile, {
    BENCH_STAFF_EMAIL: benchStaff.email,
    BENCH_STAFF_PASSWORD: benchStaff.password,
    ...variant?.env,
  });
  let invariant: InvariantResult | undefined;
  try {
    const [port, control] = await ready(proc, logFile);
    const controlUrl = `http://127.0.0.1:${control}`;
    const base = `http://127.0.0.1:${port}`;
    say(
      `${shape} shop ready in ${Math.round(performance.now() - started)} ms (seeded, in-memory PGlite; request log at info to ${logFile})`,
    );
    const processName = `${shape} shop`;
    const sampler = memorySampler(() => ({ [processName]: [proc.pid] }));
    sampler.start();
    const shop = await measureShop(o, {
      shape,
      base,
      ...(variant && { together: variant.together }),
      stockRows: async () => (await fetch(`${controlUrl}/stock`)).json() as Promise<StockRow[]>,
      ...(!variant && {
        checkoutSql: {
          scenarios: ["pglite-checkout-sql"],
          // Through the db port's query hook, in serve-shop.
          record: async (checkout) => {
            await fetch(`${controlUrl}/capture`, { method: "POST" });
            await checkout();
            return (await (await fetch(`${controlUrl}/captured`)).json()) as CapturedStatement[];
          },
          replay: async (script, c) => {
            const r = (await (
              await fetch(`${controlUrl}/replay`, {
                method: "POST",
                body: JSON.stringify({ script, seconds: o.duration, concurrency: c }),
              })
            ).json()) as { perSecond: number; errors: number; firstError?: string };
            record({
              shape: "baseline",
              scenario: "pglite-checkout-sql",
              connections: c,
              requests: 0,
              rps: r.perSecond,
              p50Ms: 0,
              p99Ms: 0,
              errors: r.errors,
            });
            if (r.firstError) notes.push(`pglite-checkout-sql: ${r.firstError}`);
          },
        },
      }),
    });
    invariant = shop.invariant;
    memory[processName] = sampler.finish()[processName]!;
    if (variant) {
      results[variant.shape === "embedded traced" ? "tracedInvariant" : "pairedInvariant"] = invariant;
      return shop;
    }
    results.embeddedInvariant = invariant;
    return shop;
  } finally {
    await stop(proc, 15_000);
  }
}

/**
 * The cost of tracing: the traced scenarios on two fresh embedded shops side by side, an untraced
 * pair and one exporting every span (100% sampling) over OTLP to a receiver here that counts and
 * drops them. Both serve from the server core and are loaded at the same time from the load core,
 * each measurement starting together, so the core's time is shared between them and each one's
 * rate says what a request costs it; a neighbour's burst on a shared machine weighs on both alike.
 * The traced shop is compared with its pair, not with the main run's shop: that one ran every other
 * scenario first, and a checkout gets markedly faster in a shop that has already run the cart
 * scenarios (the JIT, PGlite's kept statements), which would be measured instead of tracing.
 */
async function runTraced(o: Options) {
  const scenarios = o.scenarios.filter((s) => (TRACED_SCENARIOS as readonly string[]).includes(s));
  if (scenarios.length === 0) return;
  const receiver = startCountingOtlpReceiver();
  const together = rendezvous(2);
  const sideBySide = (variant: Parameters<typeof runEmbedded>[1] & object) =>
    runEmbedded({ ...o, scenarios }, variant).catch((error) => {
      together.abandon();
      throw error;
    });
  try {
    await Promise.all([
      sideBySide({ shape: "embedded paired", env: {}, together }),
      sideBySide({
        shape: "embedded traced",
        env: {
          OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
          OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
          OTEL_TRACES_SAMPLER: "always_on",
        },
        together,
      }),
    ]);
    // Fewer spans than measured requests would mean the exporter dropped some (its queue was full).
    const measured = rows.filter((r) => r.shape === "embedded traced").reduce((n, r) => n + r.requests, 0);
    const { spans, exports } = receiver.counted;
    say(`embedded traced: ${spans} spans in ${exports} OTLP exports; ${measured} traced requests measured`);
    if (exports === 0) notes.push("--tracing: the traced shop exported nothing (is tracing wired?)");
  } finally {
    receiver.stop();
  }
}

/** A baseline server on the server core, measured at every connection count. */
async function measureBaseline(
  o: Options,
  scenario: string,
  argv: string[],
  { behindNginx = false }: { behindNginx?: boolean } = {},
) {
  const logFile = join(scratch, `${scenario}.log`);
  await Bun.write(logFile, "");
  const proc = spawnServer([process.execPath, "bench/baselines.ts", ...argv], logFile);
  const dir = behindNginx ? await mkdtemp(join(tmpdir(), "fastr-bench-nginx-")) : null;
  let nginx: Subprocess | undefined;
  try {
    const [port] = await ready(proc, logFile, 60_000);
    const idle = rssMiB(proc.pid);
    let url = `http://127.0.0.1:${port}/`;
    if (dir) {
      chmodSync(dir, 0o755);
      const proxy = await startNginxProxy(dir, port!);
      nginx = proxy.proc;
      url = proxy.url;
    }
    await measureGet(o, "baseline", scenario, url);
    memory[scenario] = {
      idleMiB: Math.round(idle),
      loadMiB: Math.round(rssMiB(proc.pid)),
      peakMiB: Math.round(rssMiB(proc.pid, "VmHWM")),
    };
  } finally {
    if (nginx) await stop(nginx);
    await stop(proc);
    if (dir) await rm(dir, { recursive: true, force: true });
  }
}

const PGBOUNCER_DRIVERS = ["db-pg-pgbouncer", "db-bunsql-pgbouncer"];

/**
 * `pg` and Bun.SQL, straight to Postgres (statements kept prepared, as the cluster's services keep
 * theirs: ADR 181) and through PgBouncer in transaction mode (unnamed), which this starts in front of
 * it; and the `pg` read behind NGINX: the path of a cluster request to its database, without the service.
 */
async function measureDrivers(o: Options, postgresUrl: string) {
  const direct: [string, string[], boolean?][] = [
    ["db-pg", ["pg", "0", postgresUrl]],
    ["db-bunsql", ["bunsql", "0", postgresUrl]],
    ["db-pg-nginx", ["pg", "0", postgresUrl], true],
  ];
  for (const [scenario, argv, behindNginx] of direct)
    if (wants(o, scenario)) await measureBaseline(o, scenario, argv, { behindNginx });
  if (!wants(o, ...PGBOUNCER_DRIVERS)) return;
  if (!Bun.which("pgbouncer") && !Bun.which("/usr/sbin/pgbouncer")) {
    notes.push("no pgbouncer binary: the baselines through PgBouncer were skipped");
    return;
  }
  const { startPgBouncer } = await import("../shapes/cluster/pgbouncer.ts");
  const dir = mkdtempSync(join(tmpdir(), "fastr-bench-pgbouncer-"));
  chmodSync(dir, 0o755);
  const bouncer = await startPgBouncer({
    dir,
    primaryPort: Number(new URL(postgresUrl).port),
    replicaPort: null,
  });
  try {
    const pooled = bouncer.primaryUrl;
    if (wants(o, "db-pg-pgbouncer")) await measureBaseline(o, "db-pg-pgbouncer", ["pg-unnamed", "0", pooled]);
    if (wants(o, "db-bunsql-pgbouncer"))
      await measureBaseline(o, "db-bunsql-pgbouncer", ["bunsql-unprepared", "0", pooled]);
  } finally {
    await bouncer.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

/** A throwaway Postgres (no fsync) for the driver baselines when no cluster runs. */
async function withPostgres<T>(fn: (url: string) => Promise<T>) {
  const { startPostgres } = await import("../shapes/cluster/postgres.ts");
  const dir = mkdtempSync(join(tmpdir(), "fastr-bench-pg-"));
  chmodSync(dir, 0o755);
  const postgres = await startPostgres({ dir: join(dir, "postgres"), replica: false, durable: false });
  try {
    return await fn(postgres.primary.url());
  } finally {
    await postgres.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

async function measureNginxStatic(o: Options, body: string, shape: Row["shape"] = "baseline") {
  const dir = await mkdtemp(join(tmpdir(), "fastr-bench-nginx-"));
  chmodSync(dir, 0o755);
  const nginx = await startNginxStatic(dir, body);
  try {
    await measureGet(o, shape, "nginx-static", nginx.url);
  } finally {
    await stop(nginx.proc);
    await rm(dir, { recursive: true, force: true });
  }
}

/** `bun start` on an empty data directory, then again on the same one: ms to the first 200, RSS then. */
async function measureStarts() {
  const dir = await mkdtemp(join(tmpdir(), "fastr-bench-start-"));
  const once = async () => {
    const port = freePort();
    const started = performance.now();
    const proc: Subprocess = spawnServer(
      [process.execPath, "shapes/embedded/main.ts"],
      join(scratch, "start.log"),
      {
        PORT: String(port),
        FASTR_DATA_DIR: dir,
        LOG_LEVEL: "warn",
      },
    );
    try {
      while (true) {
        if (proc.exitCode !== null) throw new Error(`bun start exited with ${proc.exitCode} before serving`);
        if (performance.now() - started > 120_000) throw new Error("bun start not healthy after 120 s");
        if (
          await fetch(`http://127.0.0.1:${port}/healthz`).then(
            (r) => r.ok,
            () => false,
          )
        )
          break;
        await Bun.sleep(20);
      }
      const readyMs = Math.round(performance.now() - started);
      const rss = Math.round(rssMiB(proc.pid));
      const peak = Math.round(rssMiB(proc.pid, "VmHWM"));
      const stopping = performance.now();
      await stop(proc, 15_000);
      return { readyMs, rssMiB: rss, peakMiB: peak, stopMs: Math.round(performance.now() - stopping) };
    } finally {
      await stop(proc);
    }
  };
  try {
    return { fresh: await once(), warm: await once() };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

async function runCluster(o: Options) {
  const { startCluster } = await import("../shapes/cluster/cluster.ts");
  stopPinning();
  const dir = mkdtempSync(join(tmpdir(), "fastr-bench-cluster-"));
  chmodSync(dir, 0o755);
  const started = performance.now();
  const cluster = await startCluster({
    dir,
    port: freePort(),
    env: { LOG_LEVEL: "info", SIGNUP_LIMIT: "1000000" },
    // Nothing scrapes the instances during a run: its load would be the bench's noise.
    prometheus: false,
    say: (line) => say(`cluster: ${line}`),
  });
  try {
    while (
      !(await fetch(`${cluster.url}/api/product/trpc/categories`).then(
        (r) => r.ok,
        () => false,
      ))
    )
      await Bun.sleep(50);
    results.clusterStartMs = Math.round(performance.now() - started);
    // The staff account the fixture signs in with, made as an operator would.
    createBenchStaff(root, cluster.databaseUrl);
    // The cluster starts with an empty catalog: the demo catalog `bun start` seeds, through NGINX.
    const seeding = performance.now();
    const seeded = await seedThroughApi(cluster.url);
    await untilCatalogShows(cluster.url);
    say(
      `cluster: seeded ${seeded} products through the staff API in ${Math.round(performance.now() - seeding)} ms`,
    );

    const groups = () => ({
      ...Object.fromEntries(cluster.instances.map((i) => [i.name, [i.pid]])),
      "postgres primary": [cluster.postgres.primary.pid],
      ...(cluster.postgres.replica && { "postgres replica": [cluster.postgres.replica.pid] }),
    });
    const processes = (await Bun.file(join(dir, "processes.json")).json()) as {
      redis: number;
      nginx: number;
    };
    const sampler = memorySampler(() => ({
      ...groups(),
      redis: [processes.redis],
      nginx: [processes.nginx],
    }));
    sampler.start();
    const stockRows = () => pgQuery<StockRow>(cluster.databaseUrl, STOCKED_SQL);
    const soldUnits = async () => (await stockRows()).reduce((sum, r) => sum + Number(r.sold), 0);
    // Both servers log: the services read from the replica outside transactions.
    const servers = [cluster.postgres.primary, cluster.postgres.replica].flatMap((node) =>
      node ? [{ url: node.url(), logFile: node.logFile }] : [],
    );
    let unitsPerCheckout = 0;
    let pgbenchFile: string | undefined;
    const shop = await measureShop(o, {
      shape: "cluster",
      base: cluster.url,
      stockRows,
      warmupSeconds: o.clusterWarmup,
      checkoutSql: {
        scenarios: ["pgbench-checkout", "pgbench-checkout-simple"],
        record: async (checkout) => {
          const sold = await soldUnits();
          let ms = 0;
          const statements = await recordStatements(servers, async () => {
            const t = performance.now();
            await checkout();
            ms = performance.now() - t;
          });
          unitsPerCheckout = (await soldUnits()) - sold;
          const count = (pattern: RegExp) =>
            statements.filter((s) => "sql" in s && pattern.test(s.sql)).length;
          notes.push(
            `cluster checkout recorded (${Math.round(ms)} ms): besides its own statements the servers ran ${count(/^select pg_last_wal_replay_lsn/)} replica polls; ${count(/^select pg_current_wal_insert_lsn/)} of its own are write-position reads`,
          );
          return statements;
        },
        replay: async (script, connections) => {
          pgbenchFile ??= await writePgbenchScript(cluster.databaseUrl, script);
          for (const [scenario, mode] of [
            ["pgbench-checkout", "prepared"],
            ["pgbench-checkout-simple", "simple"],
          ] as const)
            if (wants(o, scenario))
              await measurePgbench(o, {
                scenario,
                mode,
                url: cluster.databaseUrl,
                file: pgbenchFile,
                connections,
                unitsPerCheckout,
                stockRows,
              });
        },
      },
    });
    results.clusterInvariant = shop.invariant;
    Object.assign(
      memory,
      Object.fromEntries(Object.entries(sampler.finish()).map(([k, v]) => [`cluster ${k}`, v])),
    );
    if (wants(o, "nginx-static") && shop.listBody) await measureNginxStatic(o, shop.listBody);
    if ((wants(o, "nginx-hono") || wants(o, "nginx-hono-headers")) && shop.listBody) {
      // What proxying alone costs: NGINX in front of a server that only answers the same bytes,
      // bare and with the headers the shop's host sends (NGINX reads and passes on every one).
      const file = join(scratch, "list.json");
      await Bun.write(file, shop.listBody);
      if (wants(o, "nginx-hono"))
        await measureBaseline(o, "nginx-hono", ["hono-file", "0", file], { behindNginx: true });
      if (wants(o, "nginx-hono-headers"))
        await measureBaseline(o, "nginx-hono-headers", ["hono-file-headers", "0", file], {
          behindNginx: true,
        });
    }
    await measureDrivers(o, cluster.databaseUrl);
  } finally {
    await cluster.stop();
    // A run that failed requests keeps the instances' logs: the request ids in the notes lead there.
    if (rows.some((r) => r.shape === "cluster" && r.errors > 0)) {
      const kept = join(scratch, `cluster-logs-${new Date().toISOString().replace(/[:.]/g, "-")}`);
      cpSync(join(dir, "logs"), kept, { recursive: true });
      say(`cluster: a run had errors; the instances' logs are kept in ${kept}`);
    }
    rmSync(dir, { recursive: true, force: true });
  }
}

/** The seeded products reach the replica the catalog is read from within moments; waits for them. */
async function untilCatalogShows(base: string) {
  const deadline = performance.now() + 15_000;
  while (performance.now() < deadline) {
    const page = await fetch(base + query("product", "list", { limit: 1 })).then(
      (r) => r.json() as Promise<{ result?: { data?: { json?: { items?: unknown[] } } } }>,
      () => null,
    );
    if (page?.result?.data?.json?.items?.length) return;
    await Bun.sleep(100);
  }
  throw new Error(`the cluster's catalog is still empty 15 s after seeding (${base})`);
}

/** The checkout script for pgbench, with the parameter types the cluster's Postgres infers. */
async function writePgbenchScript(url: string, script: CheckoutScript) {
  const file = join(scratch, "checkout-cluster.sql");
  await Bun.write(file, pgbenchScript(script, await parameterTypes(url, script)));
  say(`pgbench script of the cluster's checkout: ${file.slice(root.length + 1)}`);
  return file;
}

const orderCount = async (url: string) =>
  (await pgQuery<{ n: number }>(url, `select count(*)::int as n from "order"."orders"`))[0]!.n;

/**
 * pgbench of the checkout's own SQL on the cluster's primary, at the shop's concurrency; then proof
 * that it did the work it reports: one new order per transaction, the units of one checkout sold per
 * transaction, and the stock invariant kept (else the row counts an error, and `--check` fails).
 */
async function measurePgbench(
  o: Options,
  r: {
    scenario: string;
    mode: PgbenchMode;
    url: string;
    file: string;
    connections: number;
    unitsPerCheckout: number;
    stockRows: () => Promise<StockRow[]>;
  },
) {
  const [ordersBefore, stockBefore] = [await orderCount(r.url), await r.stockRows()];
  const result = await pgbench({
    url: r.url,
    file: r.file,
    mode: r.mode,
    connections: r.connections,
    seconds: o.duration,
    warmupSeconds: o.warmup,
  });
  const orders = (await orderCount(r.url)) - ordersBefore;
  const stock = compareStock(stockBefore, await r.stockRows());
  const units = result.processed * r.unitsPerCheckout;
  const done = result.processed > 0 && orders === result.processed && stock.sold === units && stock.ok;
  const what = `pgbench -M ${r.mode} c=${r.connections}: mean latency ${result.latencyMs.toFixed(1)} ms; ${result.processed} transactions wrote ${orders} orders and sold ${stock.sold} units (${units} expected), stock invariant ${stock.ok ? "holds" : "BROKEN"}`;
  say(what);
  if (!done) notes.push(`${what}: the rows do not show the work pgbench reports`);
  if (result.error) notes.push(`pgbench -M ${r.mode} c=${r.connections}: ${result.error}`);
  record({
    shape: "baseline",
    scenario: r.scenario,
    connections: r.connections,
    requests: result.processed,
    rps: result.tps,
    p50Ms: Number.NaN, // pgbench gives a mean latency per second, no percentiles (said above)
    p99Ms: Number.NaN,
    errors: result.aborted + (done ? 0 : 1),
  });
}

async function main(o: Options) {
  const began = performance.now();
  const loadBefore = loadAverage();
  console.error(
    `fastr bench: ${tool}, connections ${o.connections.join("/")}, ${o.warmup} s warm-up + ${o.duration} s each, ${pinning()}, load average ${loadBefore}`,
  );
  if (wants(o, "bare-bun")) await measureBaseline(o, "bare-bun", ["bun", "0"]);
  if (wants(o, "bare-hono")) await measureBaseline(o, "bare-hono", ["hono", "0"]);
  let listBody = "";
  const shopScenarios = Object.keys(SCENARIOS).filter((s) => SCENARIOS[s]!.shop);
  if (o.embedded && wants(o, ...shopScenarios)) listBody = (await runEmbedded(o)).listBody;
  if (o.embedded) {
    // With --cluster, NGINX serves the cluster's answer instead (its targets compare with it).
    if (wants(o, "nginx-static") && listBody && !o.cluster) await measureNginxStatic(o, listBody);
    if (wants(o, "db-pglite", "cart-add", "cart-read"))
      await measureBaseline(o, "db-pglite", ["pglite", "0"]);
    if (wants(o, "db-pg", "db-bunsql", "db-pg-nginx", ...PGBOUNCER_DRIVERS) && !o.cluster) {
      if (Bun.which("postgres") || Bun.which("/usr/lib/postgresql/15/bin/postgres"))
        await withPostgres((url) => measureDrivers(o, url));
      else notes.push("no postgres binary: the pg and Bun.SQL baselines were skipped");
    }
    if (wants(o, "start")) {
      results.start = await measureStarts();
      say(`bun start: ${JSON.stringify(results.start)}`);
    }
  }
  if (o.embedded && o.tracing) await runTraced(o);
  if (o.cluster) await runCluster(o);
  if (wants(o, "bare-hono")) {
    const first = rows.filter((r) => r.scenario === "bare-hono");
    await measureBaseline(o, "bare-hono", ["hono", "0"]);
    const again = rows.filter((r) => r.scenario === "bare-hono").slice(first.length);
    for (const r of again) r.scenario = "bare-hono (again)";
  }

  const targets: Target[] = evaluate(rows, memory, results);
  const invariants = [
    results.embeddedInvariant,
    results.pairedInvariant,
    results.tracedInvariant,
    results.clusterInvariant,
  ].filter(Boolean) as InvariantResult[];
  const failures = rows.filter((r) => r.errors > 0);
  const summary = {
    at: new Date().toISOString(),
    machine: `${navigator.hardwareConcurrency} cores, load average ${loadBefore} before the run`,
    bun: Bun.version,
    tool,
    pinning: o.cluster ? "embedded pinned, cluster unpinned" : pinning(),
    options: o,
    rows,
    memory,
    targets,
    invariants,
    notes,
    start: results.start,
    clusterStartMs: results.clusterStartMs,
    benchSeconds: Math.round((performance.now() - began) / 1000),
  };
  const written = await writeResults(summary);
  const missed = targets.filter((t) => !t.ok);
  console.log(
    `\n${missed.length} of ${targets.length} targets missed, ${failures.length} runs with errors, stock invariant ${invariants.every((i) => i.ok) ? "holds" : "BROKEN"}; wrote ${written.join(", ")} (${summary.benchSeconds} s)`,
  );
  if (o.check && (missed.length || failures.length || invariants.some((i) => !i.ok))) process.exitCode = 1;
}

const options = readOptions(Bun.argv.slice(2));
if (options === "help") {
  console.log(usage());
  process.exit(0);
}

for (const signal of ["SIGINT", "SIGTERM"] as const)
  process.on(signal, async () => {
    stopLoad();
    await stopAll();
    process.exit(130);
  });

try {
  await main(options);
} finally {
  await stopAll();
}
