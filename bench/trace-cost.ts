/**
 * `bun bench/trace-cost.ts [--rounds 5] [--seconds 1] [--connections 64] [--paths list,get]
 * [--variant name:K=V,K=V …] [--variant-off name:K=V …] [--before DIR] [--before-off DIR] [--no-on] [--signed-in]`: the server CPU per cached catalog read of embedded
 * shops running side by side, tracing off and on (100% sampling, OTLP/protobuf to a receiver here that
 * counts and drops spans). In each round every shop is loaded at the same time (its own wrk), so a
 * neighbour's burst weighs on all of them alike; the median per shop and the median of the per-round
 * differences to the untraced shop. Each `--variant` is one more traced shop with extra environment
 * (an exporter setting, say); `--before` one more traced shop from another tree of fastr (a checkout
 * of the commit before a change, its `node_modules` linked), `--before-off DIR` an untraced one (with
 * `--no-on`: a change to the untraced path, before and after). CPU per request, not req/s: on a shared
 * machine it is what a change saves. The shops share the server core, so the figures are higher
 * than one shop's alone; compare them within a run. Through the load lock, like every load run.
 */
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startCountingOtlpReceiver } from "../test/support/otlp-receiver.ts";
import { benchStaff, shopperWithTwoLines } from "./fixture.ts";
import { load } from "./load.ts";
import { cpuUs, loadAverage, ready, scratch, spawnServer, stop } from "./processes.ts";
import { catalogPaths } from "./scenarios.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    rounds: { type: "string", default: "5" },
    seconds: { type: "string", default: "1" },
    connections: { type: "string", default: "64" },
    variant: { type: "string", multiple: true, default: [] },
    /** Like --variant, untraced: one more shop with extra environment and tracing off. */
    "variant-off": { type: "string", multiple: true, default: [] },
    "no-off": { type: "boolean", default: false },
    paths: { type: "string", default: "list,get" },
    /** Another tree of fastr (a checkout of the commit before a change): one more traced shop, from it. */
    before: { type: "string" },
    /** Another tree of fastr: one more untraced shop, from it (what a change to the request path saved). */
    "before-off": { type: "string" },
    /** No traced shop of this tree (with --before-off: untraced before and after only). */
    "no-on": { type: "boolean", default: false },
    /** Every request carries a shopper's session (each shop its own), whose cart holds two lines: for `/api/cart/trpc/get`. */
    "signed-in": { type: "boolean", default: false },
  },
});
const rounds = Number(values.rounds);
const seconds = Number(values.seconds);
const connections = Number(values.connections);

const receiver = startCountingOtlpReceiver();

const traced = {
  OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
  OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
  OTEL_TRACES_SAMPLER: "always_on",
};
/** `name:K=V,K=V` as a shop with that environment on top of `base`. */
function variant(spec: string, base: Record<string, string>) {
  const [name, pairs = ""] = spec.split(/:(.*)/s);
  const extra = pairs
    .split(",")
    .filter(Boolean)
    .map((p) => p.split(/=(.*)/s) as [string, string]);
  return { name: name!, env: { ...base, ...Object.fromEntries(extra) } };
}

const variants: { name: string; env: Record<string, string>; cwd?: string }[] = [
  ...(values["no-off"] ? [] : [{ name: "off", env: {} }]),
  ...(values["before-off"] ? [{ name: "off (before)", env: {}, cwd: values["before-off"] }] : []),
  ...(values.before ? [{ name: "on (before)", env: traced, cwd: values.before }] : []),
  ...(values["no-on"] ? [] : [{ name: "on", env: traced }]),
  ...(values.variant as string[]).map((v) => variant(v, traced)),
  ...(values["variant-off"] as string[]).map((v) => variant(v, {})),
];

const shops = await Promise.all(
  variants.map(async ({ name, env, cwd }) => {
    const logFile = join(scratch, `trace-cost-${name.replace(/\W/g, "")}.log`);
    await Bun.write(logFile, "");
    const proc = spawnServer([process.execPath, join(cwd ?? ".", "bench/serve-shop.ts"), "0"], logFile, {
      BENCH_STAFF_EMAIL: benchStaff.email,
      BENCH_STAFF_PASSWORD: benchStaff.password,
      ...env,
    });
    const [port] = await ready(proc, logFile);
    const base = `http://127.0.0.1:${port}`;
    return { name, proc, base, headers: values["signed-in"] ? await shopperWithTwoLines(base) : undefined };
  }),
);

try {
  const paths = await catalogPaths(shops[0]!.base);
  const labels = values.paths.split(",");
  // `list`, `get` and `categories` name the cached catalog reads; anything else is a path (`/healthz`).
  const pathOf = (label: string) => paths[label as "list" | "get" | "categories"] ?? label;
  // Idle CPU per shop (the outbox relay polls), taken out of every measurement.
  await Bun.sleep(3_000);
  const idle = new Map<string, number>();
  {
    const before = shops.map((s) => cpuUs(s.proc.pid));
    const at = performance.now();
    await Bun.sleep(2_000);
    const ms = performance.now() - at;
    shops.forEach((s, i) => {
      idle.set(s.name, ((cpuUs(s.proc.pid) - before[i]!) * 1000) / ms);
    });
  }
  const results = new Map<string, number[]>();
  const served = new Map<string, number>();
  const measure = async (shop: (typeof shops)[number], path: string) => {
    const url = shop.base + path;
    const before = { cpu: cpuUs(shop.proc.pid), at: performance.now() };
    const r = await load({ url, headers: shop.headers, seconds, warmupSeconds: 0, connections });
    const used =
      cpuUs(shop.proc.pid) - before.cpu - (idle.get(shop.name)! * (performance.now() - before.at)) / 1000;
    served.set(shop.name, (served.get(shop.name) ?? 0) + r.requests);
    if (r.errors > 0) throw new Error(`${shop.name}: ${r.errors} failed requests`);
    return { usPerRequest: used / r.requests, rps: r.rps };
  };
  for (const shop of shops) for (const label of labels) await measure(shop, pathOf(label)); // warm-up
  const loadBefore = loadAverage();
  // Every shop under load at once, each by its own generator: whatever else runs on the machine
  // meanwhile weighs on all of them alike.
  for (let round = 0; round < rounds; round++)
    for (const label of labels) {
      const measured = await Promise.all(shops.map((shop) => measure(shop, pathOf(label))));
      shops.forEach((shop, i) => {
        const key = `${label} ${shop.name}`;
        results.set(key, [...(results.get(key) ?? []), measured[i]!.usPerRequest]);
      });
    }
  const median = (xs: number[]) => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)]!;
  console.log(
    `c=${connections}, ${rounds} rounds of ${seconds} s; load average ${loadBefore} → ${loadAverage()}; ${receiver.counted.spans} spans in ${receiver.counted.exports} exports`,
  );
  await Bun.sleep(6_000); // the last batches leave (5 s schedule delay)
  console.log(
    `  requests served: ${[...served].map(([n, r]) => `${n} ${r}`).join(", ")}; spans received ${receiver.counted.spans}`,
  );
  for (const label of labels) {
    const off = results.get(`${label} off`);
    for (const shop of shops) {
      const xs = results.get(`${label} ${shop.name}`)!;
      const m = median(xs);
      // Each round measures every shop back to back: the median of the per-round differences.
      const paired = off ? median(xs.map((x, i) => x - off[i]!)) : 0;
      console.log(
        `  ${label.padEnd(5)}${shop.name.padEnd(16)} median ${m.toFixed(1).padStart(6)} µs/req${off ? `, +${paired.toFixed(1)} over off (paired)` : ""}   [${xs.map((x) => x.toFixed(0)).join(" ")}]`,
      );
    }
  }
} finally {
  await Promise.all(shops.map((s) => stop(s.proc, 15_000)));
  receiver.stop();
}
