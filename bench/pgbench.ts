/**
 * One `pgbench` run of a custom script (no vacuum, no tables of its own) against a Postgres URL, with
 * its figures parsed from what it prints. The warm-up is the run's own first seconds, on the same
 * connections, so connecting and (with `-M prepared`) preparing each command on its first use stay
 * out of the figure.
 * @example const r = await pgbench({ url, file: ".bench/checkout-cluster.sql", mode: "prepared", connections: 16, seconds: 5, warmupSeconds: 2 });
 */
import { requirePrograms } from "../shapes/cluster/binaries.ts";

export type PgbenchMode = "simple" | "extended" | "prepared";
export type PgbenchResult = {
  /** Transactions per second after the warm-up (from pgbench's per-second progress lines). */
  tps: number;
  /** Transactions that completed, warm-up included. */
  processed: number;
  /** Mean latency after the warm-up, ms. */
  latencyMs: number;
  /** Clients that stopped on an error (pgbench aborts a client at its first failed statement). */
  aborted: number;
  /** pgbench's first error line, if any. */
  error?: string;
};

/** `progress: 3.0 s, 52.0 tps, lat 1180.406 ms stddev 120.1, 0 failed` (one line per second). */
const PROGRESS = /^progress: ([\d.]+) s, ([\d.]+) tps, lat ([\d.]+) ms/gm;

export async function pgbench(o: {
  url: string;
  file: string;
  mode: PgbenchMode;
  connections: number;
  seconds: number;
  warmupSeconds: number;
}): Promise<PgbenchResult> {
  const { pgbench: program } = requirePrograms("pgbench");
  const { hostname, port, username, pathname } = new URL(o.url);
  const warmup = Math.round(o.warmupSeconds);
  const measured = Math.max(1, Math.round(o.seconds));
  const proc = Bun.spawn(
    [
      program,
      "--no-vacuum",
      `--protocol=${o.mode}`,
      `--file=${o.file}`,
      `--client=${o.connections}`,
      "--jobs=1",
      `--time=${warmup + measured}`,
      "--progress=1",
      `--host=${hostname}`,
      `--port=${port}`,
      `--username=${username || "postgres"}`,
      decodeURIComponent(pathname.slice(1)),
    ],
    { stdout: "pipe", stderr: "pipe", timeout: (warmup + measured + 60) * 1000 },
  );
  const [out, err] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const seconds = [...err.matchAll(PROGRESS)]
    .map((m) => ({ at: Number(m[1]), tps: Number(m[2]), latencyMs: Number(m[3]) }))
    .filter((p) => p.at > warmup);
  const mean = (values: number[]) => values.reduce((s, v) => s + v, 0) / values.length;
  const total = (pattern: RegExp) => Number(pattern.exec(out)?.[1] ?? Number.NaN);
  const error = err.split("\n").find((l) => /error/i.test(l));
  return {
    tps: seconds.length ? mean(seconds.map((p) => p.tps)) : total(/tps = ([\d.]+) \(without/),
    processed: total(/number of transactions actually processed: (\d+)/),
    latencyMs: seconds.length
      ? mean(seconds.map((p) => p.latencyMs))
      : total(/latency average = ([\d.]+) ms/),
    aborted: (err.match(/aborted in command/g) ?? []).length,
    ...(error && { error }),
  };
}
