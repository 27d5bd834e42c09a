/**
 * `bun run cluster`: the distributed shape on this machine. Postgres primary + replica, PgBouncer,
 * Redis, NGINX, two processes of every service and (when installed) Prometheus scraping them, from
 * system binaries, on loopback. Ctrl-C stops everything it started.
 */
import { z } from "zod";
import { env, readConfigOrExit } from "../../platform/config.ts";
import { startCluster } from "./cluster.ts";

const config = readConfigOrExit([
  z.object({
    PORT: env.int(1, 65535).default(8080),
    FASTR_CLUSTER_DIR: z.string().min(1).default(".fastr/cluster"),
  }),
]);

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
say(`instances (Prometheus file_sd): ${cluster.targetsFile}; each serves /metrics on its own port`);
say(
  cluster.prometheusUrl
    ? `Prometheus: ${cluster.prometheusUrl}/ (targets: ${cluster.prometheusUrl}/targets, alerts: ${cluster.prometheusUrl}/alerts)`
    : "Prometheus is not installed (apt-get install -y prometheus), so nothing scrapes the instances",
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
