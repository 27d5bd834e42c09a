/**
 * `bun bench/checkout-trace-cost.ts [--rounds 8] [--block 40] [--buyers 4]`: the CPU a checkout costs
 * with tracing on (100% sampling, OTLP/protobuf to a receiver here that counts and drops spans) and
 * off, in one embedded shop whose tracer is switched on and off between blocks of checkouts, the
 * order of the two alternating every round (ADR 179). One process, so a neighbour's burst on a shared
 * machine weighs on both alike, which runs one after the other cannot promise. CPU is the whole
 * process's (`process.cpuUsage`: the shop, its buyers and the receiver); buyers are signed up and
 * their carts filled before each block, outside the measured time. Run it pinned and through the
 * load lock: `flock /work/wt/load.lock taskset -c 0 bun bench/checkout-trace-cost.ts`.
 */
import { parseArgs } from "node:util";
import { trace } from "@opentelemetry/api";
import { setTracer } from "../platform/telemetry/spans.ts";
import { type Buyer, checkout, readyBuyer } from "../test/support/buyers.ts";
import { stockedProduct } from "../test/support/catalog.ts";
import { startCountingOtlpReceiver } from "../test/support/otlp-receiver.ts";
import { startEmbeddedShop } from "../test/support/shop.ts";

const { values } = parseArgs({
  args: Bun.argv.slice(2),
  options: {
    rounds: { type: "string", default: "8" },
    block: { type: "string", default: "40" },
    buyers: { type: "string", default: "4" },
  },
});
const rounds = Number(values.rounds);
const block = Number(values.block);
const concurrent = Number(values.buyers);

const receiver = startCountingOtlpReceiver();
const shop = await startEmbeddedShop({
  env: {
    OTEL_EXPORTER_OTLP_ENDPOINT: receiver.url,
    OTEL_EXPORTER_OTLP_PROTOCOL: "http/protobuf",
    OTEL_TRACES_SAMPLER: "always_on",
  },
});
const tracer = trace.getTracerProvider().getTracer("fastr");
const { variantIds } = await stockedProduct(shop, [1_000_000, 1_000_000, 1_000_000]);

async function checkOut(buyers: Buyer[]) {
  const queue = [...buyers];
  await Promise.all(
    Array.from({ length: concurrent }, async () => {
      for (let buyer = queue.shift(); buyer; buyer = queue.shift()) await checkout(buyer);
    }),
  );
}

type Mode = "on" | "off";
const cpuUs = { on: 0, off: 0 };
const spans = { on: 0, off: 0 };
// Round 0 warms both up and is not counted.
for (let round = 0; round <= rounds; round++) {
  for (const mode of (round % 2 ? ["on", "off"] : ["off", "on"]) as Mode[]) {
    setTracer(undefined, undefined);
    const buyers: Buyer[] = [];
    for (let i = 0; i < block; i++) buyers.push(await readyBuyer(shop, variantIds[i % variantIds.length]!));
    await shop.settle();
    await shop.shop.tracing.forceFlush();
    setTracer(mode === "on" ? tracer : undefined, undefined);
    const spansBefore = receiver.counted.spans;
    const before = process.cpuUsage();
    await checkOut(buyers);
    await shop.settle();
    await shop.shop.tracing.forceFlush();
    const used = process.cpuUsage(before);
    if (round === 0) continue;
    cpuUs[mode] += used.user + used.system;
    spans[mode] += receiver.counted.spans - spansBefore;
  }
}
setTracer(undefined, undefined);
const checkouts = rounds * block;
const off = cpuUs.off / checkouts;
const on = cpuUs.on / checkouts;
console.log(
  `CPU per checkout, ${rounds} rounds × ${block}, ${concurrent} buyers at a time: off ${off.toFixed(0)} µs, on ${on.toFixed(0)} µs, ` +
    `+${(on - off).toFixed(0)} µs (+${((on / off - 1) * 100).toFixed(1)}%), ${(spans.on / checkouts).toFixed(1)} spans per checkout`,
);
await shop.stop();
receiver.stop();
process.exit(0);
