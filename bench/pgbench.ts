/**
 * One `pgbench` run of a custom script (no vacuum, no tables of its own) against a Postgres URL, with
 * its figures parsed from what it prints.
 * @example const r = await pgbench({ url, file: ".bench/checkout-cluster.sql", mode: "prepared", connections: 16, seconds: 5 });
 */
import { requirePrograms } from "../shapes/cluster/binaries.ts";

export type PgbenchMode = "simple" | "extended" | "prepared";
export type PgbenchResult = {
  /** Transactions per second, connection set-up left out. */
  tps: number;
  /** Transactions that completed. */
  processed: number;
  latencyMs: number;
  /** Clients that stopped on an error (pgbench aborts a client at its first failed statement). */
  aborted: number;
  /** pgbench's first error line, if any. */
  error?: string;
};

export async function pgbench(o: {
  url: string;
  file: string;
  mode: PgbenchMode;
  connections: number;
  seconds: number;
}): Promise<PgbenchResult> {
  const { pgbench: program } = requirePrograms("pgbench");
  const { hostname, port, username, pathname } = new URL(o.url);
  const proc = Bun.spawn(
    [
      program,
      "--no-vacuum",
      `--protocol=${o.mode}`,
      `--file=${o.file}`,
      `--client=${o.connections}`,
      "--jobs=1",
      `--time=${Math.max(1, Math.round(o.seconds))}`,
      `--host=${hostname}`,
      `--port=${port}`,
      `--username=${username || "postgres"}`,
      decodeURIComponent(pathname.slice(1)),
    ],
    { stdout: "pipe", stderr: "pipe", timeout: (o.seconds + 60) * 1000 },
  );
  const [out, err] = await Promise.all([
    new Response(proc.stdout).text(),
    new Response(proc.stderr).text(),
    proc.exited,
  ]);
  const number = (pattern: RegExp) => Number(pattern.exec(out)?.[1] ?? Number.NaN);
  const error = err.split("\n").find((l) => /error/i.test(l));
  return {
    tps: number(/tps = ([\d.]+) \(without initial connection time\)/),
    processed: number(/number of transactions actually processed: (\d+)/),
    latencyMs: number(/latency average = ([\d.]+) ms/),
    aborted: (err.match(/aborted in command/g) ?? []).length,
    ...(error && { error }),
  };
}
