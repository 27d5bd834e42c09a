import { mkdirSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { requirePrograms } from "./binaries.ts";
import { type Child, freePort, readyOrDied, spawnChild, waitFor } from "./child.ts";

/** The recording rules and alerts every Prometheus of fastr loads. */
export const RULES_FILE = resolve(import.meta.dir, "../../deploy/prometheus/fastr.rules.yml");

/**
 * Prometheus's configuration for the cluster: every instance listed in `targetsFile` (file_sd, re-read
 * when it changes), scraped every `scrapeSeconds`, with fastr's rules. `honor_labels`: an instance's
 * own `service` label (the one the embedded shape needs too) wins over the target's, which agrees.
 * JSON is YAML, so the object is written as it is.
 */
export function prometheusConfig({
  targetsFile,
  scrapeSeconds = 5,
}: {
  targetsFile: string;
  scrapeSeconds?: number;
}) {
  return {
    global: {
      scrape_interval: `${scrapeSeconds}s`,
      scrape_timeout: `${Math.max(1, scrapeSeconds - 1)}s`,
      evaluation_interval: `${scrapeSeconds}s`,
    },
    rule_files: [RULES_FILE],
    scrape_configs: [
      {
        job_name: "fastr",
        honor_labels: true,
        metrics_path: "/metrics",
        file_sd_configs: [{ files: [targetsFile], refresh_interval: "30s" }],
      },
    ],
  };
}

export type PrometheusOptions = {
  /** Its config, data (`data/`) and log; kept between runs like the rest of the cluster's state. */
  dir: string;
  /** The instances, in file_sd format. */
  targetsFile: string;
  port?: number;
};

/**
 * Debian's `prometheus` on a loopback port, scraping the cluster's instances with fastr's rules;
 * resolves once it reports ready. Stopped by PID with the rest of the cluster.
 * @example const prometheus = await startPrometheus({ dir: join(dir, "prometheus"), targetsFile: join(dir, "instances.json") });
 */
export async function startPrometheus(options: PrometheusOptions): Promise<Child & { url: string }> {
  const { prometheus } = requirePrograms("prometheus");
  mkdirSync(join(options.dir, "data"), { recursive: true });
  const configFile = join(options.dir, "prometheus.yml");
  writeFileSync(configFile, JSON.stringify(prometheusConfig({ targetsFile: options.targetsFile }), null, 2));
  const port = options.port ?? freePort();
  const child = spawnChild(
    "prometheus",
    [
      prometheus,
      `--config.file=${configFile}`,
      `--storage.tsdb.path=${join(options.dir, "data")}`,
      "--storage.tsdb.retention.time=3d",
      `--web.listen-address=127.0.0.1:${port}`,
      "--log.level=warn",
    ],
    { logFile: join(options.dir, "prometheus.log") },
  );
  const url = `http://127.0.0.1:${port}`;
  await readyOrDied(
    child,
    waitFor(`prometheus on port ${port}`, async () => (await fetch(`${url}/-/ready`)).ok, 30_000),
  );
  return { ...child, url };
}
