/**
 * `bun run cluster [-- --bus kafka]`: the distributed shape on this machine. Postgres primary + replica,
 * Redis, NGINX, two processes of every service and (when installed) Prometheus scraping
 * them, from system binaries, on loopback; events over Redis Streams, or over Kafka (KAFKA_BROKERS,
 * else librdkafka's mock peer it starts). Ctrl-C stops everything it started.
 */
import { parseArgs } from "node:util";
import { z } from "zod";
import { env, readConfigOrExit } from "../../platform/config.ts";
import { telemetrySettings, tracesUrl } from "../../platform/telemetry/settings.ts";
import { busVariables } from "./bus.ts";
import { startCluster } from "./cluster.ts";

const say = (line: string) => console.log(`fastr cluster: ${line}`);

let flags: { bus?: string | undefined };
try {
  flags = parseArgs({ args: Bun.argv.slice(2), options: { bus: { type: "string" } } }).values;
} catch (error) {
  console.error(
    `fastr cluster: ${(error as Error).message}\nusage: bun run cluster [-- --bus redis-streams|kafka]`,
  );
  process.exit(2);
}

const config = readConfigOrExit(
  [
    z.object({
      PORT: env.int(1, 65535).default(8080),
      FASTR_CLUSTER_DIR: z.string().min(1).default(".fastr/cluster"),
    }),
    // Without KAFKA_BROKERS the cluster brings its own Kafka: the check for it does not apply here.
    busVariables.pick({ BUS: true, KAFKA_BROKERS: true }),
    // Every instance inherits the OTEL_* variables: a bad one stops here, not in 14 processes.
    telemetrySettings,
  ],
  { ...process.env, ...(flags.bus && { BUS: flags.bus }) },
);
const traces = tracesUrl(config);

let cluster: Awaited<ReturnType<typeof startCluster>>;
try {
  cluster = await startCluster({
    dir: config.FASTR_CLUSTER_DIR,
    port: config.PORT,
    bus: config.BUS,
    ...(config.KAFKA_BROKERS.length > 0 && { kafkaBrokers: config.KAFKA_BROKERS }),
    say,
  });
} catch (error) {
  console.error(`fastr cluster: could not start: ${(error as Error).message}`);
  process.exit(1);
}

say(`ready at ${cluster.url}/ (started in ${(cluster.startupMs / 1000).toFixed(1)} s) — Ctrl+C stops it`);
say(`DATABASE_URL=${cluster.databaseUrl}`);
say(`REDIS_URL=${cluster.redisUrl}`);
if (cluster.kafkaBrokers) say(`BUS=kafka KAFKA_BROKERS=${cluster.kafkaBrokers.join(",")}`);
say(`instances (Prometheus file_sd): ${cluster.targetsFile}; each serves /metrics on its own port`);
say(
  cluster.prometheusUrl
    ? `Prometheus: ${cluster.prometheusUrl}/ (targets: ${cluster.prometheusUrl}/targets, alerts: ${cluster.prometheusUrl}/alerts)`
    : "Prometheus is not installed (apt-get install -y prometheus), so nothing scrapes the instances",
);
say(
  traces
    ? `traces (OTLP ${config.OTEL_EXPORTER_OTLP_PROTOCOL}): ${traces}`
    : "tracing off (set OTEL_EXPORTER_OTLP_ENDPOINT to turn it on)",
);

let stopping = false;
for (const signal of ["SIGINT", "SIGTERM"] as const) {
  process.on(signal, async () => {
    if (stopping) return;
    stopping = true;
    say("stopping…");
    await cluster.stop();
    say("stopped");
    process.exit(0);
  });
}
