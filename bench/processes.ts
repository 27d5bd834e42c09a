/**
 * The bench's child processes: started pinned to the server core, their output in a log file, ready
 * when they print `ready <port> …`, stopped by PID (SIGTERM, then SIGKILL), and their memory read
 * from /proc.
 */
import { existsSync, readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import type { Subprocess } from "bun";
import { pinned } from "./load.ts";

export const root = join(import.meta.dir, "..");
/** Logs and scratch files of the current run (gitignored). */
export const scratch = join(root, ".bench");

const children = new Set<Subprocess>();

/** A child on the server core (core 0), stdout and stderr appended to `logFile`. */
export function spawnServer(argv: string[], logFile: string, env: Record<string, string | undefined> = {}) {
  const log = Bun.file(logFile);
  const proc = Bun.spawn(pinned(0, argv), {
    cwd: root,
    env: { ...process.env, ...env },
    stdin: "ignore",
    stdout: log,
    stderr: log,
  });
  children.add(proc);
  return proc;
}

/**
 * SIGTERM by PID, SIGKILL if it has not exited within `graceMs`. The grace's timer is cleared once the
 * child exits: left pending, it kept the bench alive for the rest of the grace after its last line.
 */
export async function stop(proc: Subprocess, graceMs = 5_000) {
  if (proc.exitCode === null && proc.signalCode === null) {
    proc.kill("SIGTERM");
    const grace = setTimeout(() => proc.kill("SIGKILL"), graceMs);
    await proc.exited;
    clearTimeout(grace);
  }
  children.delete(proc);
}

export const stopAll = () => Promise.all([...children].map((c) => stop(c)));

/** Waits until the child's log has a `ready <numbers…>` line; returns the numbers. */
export async function ready(proc: Subprocess, logFile: string, timeoutMs = 90_000): Promise<number[]> {
  const deadline = performance.now() + timeoutMs;
  while (performance.now() < deadline) {
    const text = existsSync(logFile) ? readFileSync(logFile, "utf8") : "";
    const match = text.match(/^ready ([\d ]+)$/m);
    if (match) return match[1]!.trim().split(" ").map(Number);
    if (proc.exitCode !== null || proc.signalCode !== null)
      throw new Error(
        `pid ${proc.pid} exited (${proc.exitCode ?? proc.signalCode}) before it was ready:\n${text.slice(-3000)}`,
      );
    await Bun.sleep(25);
  }
  throw new Error(`pid ${proc.pid} not ready after ${timeoutMs} ms (log: ${logFile})`);
}

/** RSS (or the peak RSS, VmHWM) of one process in MiB; NaN once it is gone. */
/** Linux reports CPU time in clock ticks, 100 per second on every common kernel. */
const TICK_US = 10_000;

/** User + system CPU time of a process so far, in microseconds. */
export const cpuUs = (pid: number) => {
  // Fields after the command name, which is in parentheses and may contain spaces: utime and stime
  // are the 12th and 13th of them.
  const fields = readFileSync(`/proc/${pid}/stat`, "utf8").split(") ")[1]!.split(" ");
  return (Number(fields[11]) + Number(fields[12])) * TICK_US;
};

export function rssMiB(pid: number, field: "VmRSS" | "VmHWM" = "VmRSS") {
  try {
    const status = readFileSync(`/proc/${pid}/status`, "utf8");
    const kib = Number(status.match(new RegExp(`${field}:\\s+(\\d+) kB`))?.[1] ?? Number.NaN);
    return Math.round(kib / 102.4) / 10;
  } catch {
    return Number.NaN;
  }
}

/**
 * Proportional set size of one process in MiB (shared pages divided among the processes sharing
 * them); NaN once it is gone.
 */
export function pssMiB(pid: number) {
  try {
    const rollup = readFileSync(`/proc/${pid}/smaps_rollup`, "utf8");
    return Math.round(Number(rollup.match(/^Pss:\s+(\d+) kB/m)?.[1] ?? Number.NaN) / 102.4) / 10;
  } catch {
    return Number.NaN;
  }
}

/** The process and every descendant (Postgres forks a backend per connection, NGINX its workers). */
export function processTree(pid: number): number[] {
  const tree = [pid];
  for (let i = 0; i < tree.length; i++) {
    const dir = `/proc/${tree[i]}/task`;
    let tasks: string[];
    try {
      tasks = readdirSync(dir);
    } catch {
      continue; // gone meanwhile (a backend whose client disconnected)
    }
    for (const task of tasks) {
      try {
        const children = readFileSync(join(dir, task, "children"), "utf8").trim();
        if (children) tree.push(...children.split(/\s+/).map(Number));
      } catch {}
    }
  }
  return [...new Set(tree)];
}

export type Memory = { idleMiB: number; loadMiB: number; peakMiB: number };

/**
 * Samples the RSS of named process trees every `everyMs` while a run goes on: per name, the RSS at
 * idle (when `start` is called), the highest sum seen under load, and the peak (for a single process
 * also its kernel high-water mark, which covers start-up and seeding). A tree of several processes
 * (Postgres and its backends, NGINX and its workers) is summed as PSS: their RSS would count the
 * shared buffers once per backend.
 */
export function memorySampler(groups: () => Record<string, number[]>, everyMs = 250) {
  const idle: Record<string, number> = {};
  const load: Record<string, number> = {};
  const sum = (pids: number[]) => {
    const tree = pids.flatMap(processTree);
    if (tree.length === 1) return rssMiB(tree[0]!) || 0;
    return tree.reduce((s, p) => s + (pssMiB(p) || 0), 0);
  };
  let timer: Timer | undefined;
  const sample = (into: Record<string, number>) => {
    for (const [name, pids] of Object.entries(groups())) into[name] = Math.max(into[name] ?? 0, sum(pids));
  };
  return {
    /** The idle figure now; from here on, samples under load. */
    start() {
      sample(idle);
      timer = setInterval(() => sample(load), everyMs);
    },
    pause: () => clearInterval(timer),
    resume() {
      clearInterval(timer);
      timer = setInterval(() => sample(load), everyMs);
    },
    /** Per name: idle, the highest under load, and the peak. */
    finish(): Record<string, Memory> {
      clearInterval(timer);
      sample(load);
      const out: Record<string, Memory> = {};
      for (const [name, pids] of Object.entries(groups())) {
        // The kernel's high-water mark is exact for one process; for a tree, summing each member's
        // would add peaks reached at different times, so only the samples count.
        const tree = pids.flatMap(processTree);
        const hwm = tree.length === 1 ? rssMiB(tree[0]!, "VmHWM") || 0 : 0;
        const round = (n: number) => Math.round(n);
        out[name] = {
          idleMiB: round(idle[name] ?? Number.NaN),
          loadMiB: round(load[name] ?? Number.NaN),
          peakMiB: round(Math.max(hwm, load[name] ?? 0)),
        };
      }
      return out;
    },
  };
}

/** A free port on 127.0.0.1 (the OS picks it). */
export function freePort() {
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

/** Other work on these cores skews every sample; the 1-minute load average says how much. */
export const loadAverage = () => Number(readFileSync("/proc/loadavg", "utf8").split(" ")[0]);
