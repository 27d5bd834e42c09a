/**
 * `bun bench/profile.ts [path|list|get|categories…] [--seconds 2] [--connections 64] [--signed-in] [--traced]`: the embedded shop
 * under Bun's CPU profiler, a short load on each path, and the top frames of the samples taken under
 * that load only (start-up and seeding left out). Defaults: `/healthz` and a cached `product.list`
 * page. `--signed-in` sends a shopper's session with every request, whose cart holds two lines (for
 * `/api/cart/trpc/get`). `cart-add`, `cart-add-guest` and `cart-read`
 * and `checkout` run the bench's stateful scenario
 * of that name instead (bench/shoppers.ts: signed-up shoppers, `--connections` of them). Short by
 * design: relative shares stay meaningful on a busy machine, absolute req/s do not.
 */
import { readdirSync } from "node:fs";
import { join } from "node:path";
import { parseArgs } from "node:util";
import { startCountingOtlpReceiver } from "../test/support/otlp-receiver.ts";
import { type CpuProfile, formatTopFrames, topFrames } from "./cpu-profile.ts";
import { benchStaff, shopperWithTwoLines, signUpShoppers, stockProducts } from "./fixture.ts";
import { load, sampleOf, tool } from "./load.ts";
import { ready, scratch, spawnServer, stop } from "./processes.ts";
import { catalogPaths } from "./scenarios.ts";
import type { ShoppersOptions } from "./shoppers.ts";
import { runShoppers } from "./shoppers-process.ts";

/** The stateful scenarios it can run, and the kind of call each one times. */
const stateful: Record<string, string> = {
  "cart-add": "cart.addItem",
  "cart-add-guest": "cart.addItem",
  "cart-read": "cart.get",
  checkout: "order.checkout",
};

const { values, positionals } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    seconds: { type: "string", default: "2" },
    connections: { type: "string", default: "64" },
    "signed-in": { type: "boolean", default: false },
    traced: { type: "boolean", default: false },
  },
  allowPositionals: true,
});
const seconds = Number(values.seconds);
const connections = Number(values.connections);
const dir = join(scratch, `profile-${Date.now()}`);
const logFile = join(dir, "shop.log");
await Bun.write(logFile, "");

// `--traced`: every request traced (100% sampling), exported over OTLP to a receiver that drops it.
const receiver = values.traced ? startCountingOtlpReceiver() : undefined;
const proc = spawnServer(
  [process.execPath, "--cpu-prof", `--cpu-prof-dir=${dir}`, "bench/serve-shop.ts", "0"],
  logFile,
  {
    BENCH_STAFF_EMAIL: benchStaff.email,
    BENCH_STAFF_PASSWORD: benchStaff.password,
    ...(receiver && {
      OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
      OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
      OTEL_TRACES_SAMPLER: "always_on",
    }),
  },
);
const windows: { path: string; fromUs: number; toUs: number; rps: number }[] = [];
try {
  const [port] = await ready(proc, logFile);
  const base = `http://127.0.0.1:${port}`;
  const headers = values["signed-in"] ? await shopperWithTwoLines(base) : undefined;
  const catalog = await catalogPaths(base);
  // `list`, `get` and `categories` name the bench's cached catalog reads.
  const paths = (positionals.length ? positionals : ["/healthz", "list"]).map(
    (p) => catalog[p as keyof typeof catalog] ?? p,
  );
  for (const path of paths) {
    if (path in stateful) {
      const shoppers = await signUpShoppers(base, connections, "profile");
      const stock = await stockProducts(base);
      const scenario = path as ShoppersOptions["scenario"];
      const options = { base, scenario, shoppers, stock, browse: [], seconds, warmupSeconds: 0 };
      await runShoppers({ ...options, seconds: 1 }, { name: "profile-warmup" });
      const fromUs = Date.now() * 1000;
      const result = await runShoppers(options, { name: "profile" });
      windows.push({
        path,
        fromUs,
        toUs: Date.now() * 1000,
        rps: result.kinds[stateful[path]!]?.perSecond ?? 0,
      });
      continue;
    }
    const url = base + path;
    if ((await fetch(sampleOf(url), { headers })).status !== 200)
      throw new Error(`${path} does not answer 200`);
    await load({ url, headers, seconds: 1, warmupSeconds: 0, connections });
    const fromUs = Date.now() * 1000;
    const result = await load({ url, headers, seconds, warmupSeconds: 0, connections });
    windows.push({ path, fromUs, toUs: Date.now() * 1000, rps: result.rps });
  }
} finally {
  await stop(proc, 15_000);
  receiver?.stop();
}

const file = readdirSync(dir).find((f) => f.endsWith(".cpuprofile"));
if (!file) throw new Error(`no .cpuprofile in ${dir}`);
const profile = (await Bun.file(join(dir, file)).json()) as CpuProfile;
for (const w of windows) {
  console.log(
    `\n${w.path}: ${Math.round(w.rps)} req/s under the profiler (${w.path in stateful ? "bench/shoppers.ts" : tool}, c=${connections}, ${seconds} s)`,
  );
  console.log(formatTopFrames(topFrames(profile, w)));
}
console.log(`\nprofile: ${join(dir, file)}`);
