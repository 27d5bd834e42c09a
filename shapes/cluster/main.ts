/**
 * `bun run cluster`: the distributed shape on this machine. Postgres primary + replica, PgBouncer,
 * Redis, NGINX and two processes of every service, from system binaries, on loopback. Ctrl-C stops
 * everything it started.
 */
import { z } from "zod";
import { env, readConfigOrExit } from "../../platform/config.ts";
import { telemetrySettings, tracesUrl } from "../../platform/telemetry/settings.ts";
import { startCluster } from "./cluster.ts";

const config = readConfigOrExit([
  z.object({
    PORT: env.int(1, 65535).default(8080),
    FASTR_CLUSTER_DIR: z.string().min(1).default(".fastr/cluster"),
  }),
  // Every instance inherits the OTEL_* variables: a bad one stops here, not in 14 processes.
  telemetrySettings,
]);
const traces = tracesUrl(config);

const say = (line: string) => console.log(`fastr cluster: ${line}`);
let cluster: Awaited<ReturnType<typeof startCluster>>;
try {
  cluster = await startCluster({ dir: config.FASTR_CLUSTER_DIR, port: config.PORT, say });
} catch (error) {
  console.error(`fastr cluster: could not start: ${(error as Error).message}`);
  process.exit(1);
}

say(`ready at ${cluster.url}/ (started in ${(cluster.startupMs / 1000).toFixed(1)} s) — Ctrl+C stops it`);
say(`DATABASE_URL=${cluster.databaseUrl}`);
say(`REDIS_URL=${cluster.redisUrl}`);
say(`instances (Prometheus file_sd): ${cluster.dir}/instances.json`);
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
