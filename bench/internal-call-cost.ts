/**
 * `bun bench/internal-call-cost.ts [--seconds 4] [--concurrency 8] [--variants 3]`: the CPU one
 * service-to-service call costs, caller and callee together, in one process: `remoteService` calling
 * `product.cachedVariants` on an internal router mounted as the cluster mounts it (signed, nonce
 * checked in memory), the answer being `--variants` variants made up in memory, so what is measured is
 * the hop's machinery (HTTP, signing, tRPC, validation, encoding), not the product service's work.
 * Prints CPU µs per call (user + system of this process) and calls per second. The cluster's figures
 * (bench/hop-cost.ts) move ±20% with the machine's load; this one isolates the hop.
 */
import { parseArgs } from "node:util";
import { Hono } from "hono";
import { productInternal } from "../contracts/product.internal.ts";
import type { VariantInfo } from "../contracts/product.ts";
import type { HostEnv } from "../platform/http/host.ts";
import { mountInternalRoutes } from "../platform/http/internal-routes.ts";
import { silentLogger } from "../platform/log.ts";
import { internalRouter, remoteService } from "../routers/internal.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    seconds: { type: "string", default: "4" },
    concurrency: { type: "string", default: "8" },
    variants: { type: "string", default: "3" },
  },
});
const secret = "a-bench-secret-that-is-long-enough-to-sign";
const ids = Array.from({ length: Number(values.variants) }, () => crypto.randomUUID());
const variants: VariantInfo[] = ids.map((id, i) => ({
  id,
  productId: crypto.randomUUID(),
  sku: `MUG-${i}`,
  title: "Bench Mug",
  variantTitle: "Blue",
  image: "/images/mug.webp",
  price: { amount: 1500 + i, currency: "EUR" },
  stock: 1000,
  purchasable: true,
}));
const product = {
  cachedVariants: async (wanted: readonly string[]) => variants.filter((v) => wanted.includes(v.id)),
};

const seen = new Map<string, number>();
const app = new Hono<HostEnv>();
app.use(async (c, next) => {
  c.set("requestId", "bench");
  await next();
});
mountInternalRoutes(app, {
  routers: { product: internalRouter(productInternal, product as never) },
  secret,
  firstUse: async (nonce, ttlMs) => {
    if (seen.has(nonce)) return false;
    seen.set(nonce, Date.now() + ttlMs);
    if (seen.size > 100_000) seen.clear();
    return true;
  },
  log: silentLogger,
});
const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: app.fetch });
const remote = remoteService("product", productInternal, { urls: [server.url.origin], secret });

async function run(seconds: number) {
  const deadline = performance.now() + seconds * 1000;
  let calls = 0;
  const cpu = process.cpuUsage();
  const started = performance.now();
  await Promise.all(
    Array.from({ length: Number(values.concurrency) }, async () => {
      while (performance.now() < deadline) {
        const found = await remote.cachedVariants(ids);
        if (found.length !== ids.length) throw new Error("wrong answer");
        calls++;
      }
    }),
  );
  const used = process.cpuUsage(cpu);
  return {
    calls,
    perSecond: (calls * 1000) / (performance.now() - started),
    cpuUsPerCall: (used.user + used.system) / calls,
  };
}

await run(2); // JIT warm-up
const r = await run(Number(values.seconds));
console.log(
  `${r.calls} calls, ${Math.round(r.perSecond)}/s, ${r.cpuUsPerCall.toFixed(1)} µs of CPU per call (caller + callee), ${ids.length} variants`,
);
server.stop(true);
