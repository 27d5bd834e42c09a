import { closeSync, existsSync, openSync, readFileSync, readSync, statSync } from "node:fs";

/** A process the cluster started and owns: it is stopped by its PID, never by name. */
export type Child = {
  name: string;
  pid: number;
  exited: Promise<number>;
  /** The last lines it wrote to its log, for error messages. */
  tail(lines?: number): string;
  /** SIGTERM (or `signal`), then SIGKILL after `graceMs`; resolves once it has exited. */
  stop(signal?: NodeJS.Signals, graceMs?: number): Promise<void>;
  /** Writes to its stdin (only when started with `stdin: "pipe"`). */
  send?(text: string): void;
};

export type SpawnOptions = {
  env?: Record<string, string | undefined>;
  cwd?: string;
  /** Where stdout and stderr go. */
  logFile: string;
  /** Run as this user (Postgres and PgBouncer refuse to run as root). */
  owner?: { uid: number; gid: number } | null;
  /** "pipe": a pipe this process holds open until it exits (a child may watch it to die with us). */
  stdin?: "ignore" | "pipe";
};

const children = new Set<Child>();
// Whatever happens to the parent, nothing it started outlives it.
process.once("exit", () => {
  for (const child of children) {
    try {
      process.kill(child.pid, "SIGKILL");
    } catch {}
  }
});

/**
 * Starts a long-running child with its output in a log file.
 * @example const redis = spawnChild("redis", ["redis-server", "--port", "6390"], { logFile: "redis.log" });
 */
export function spawnChild(name: string, command: readonly string[], options: SpawnOptions): Child {
  // One descriptor, opened for appending, for both streams: two separate opens of the file would each
  // write at their own offset, and a line on stderr would overwrite lines on stdout.
  const log = openSync(options.logFile, "a");
  const proc = Bun.spawn([...command], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env } as Record<string, string>,
    stdin: options.stdin ?? "ignore",
    stdout: log,
    stderr: log,
    // Its own process group: Ctrl-C reaches only the cluster, which stops its children in order
    // (services drain before the databases they use go away).
    detached: true,
    ...(options.owner ?? {}),
  });
  closeSync(log); // the child has its own copy
  const child: Child = {
    name,
    pid: proc.pid,
    exited: proc.exited,
    tail: (lines = 15) => tailOf(options.logFile, lines),
    ...(options.stdin === "pipe" && {
      send(text: string) {
        const stdin = proc.stdin as import("bun").FileSink;
        stdin.write(text);
        stdin.flush();
      },
    }),
    async stop(signal = "SIGTERM", graceMs = 10_000) {
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill(signal);
      const hung = setTimeout(() => proc.kill("SIGKILL"), graceMs);
      await proc.exited;
      clearTimeout(hung);
    },
  };
  children.add(child);
  proc.exited.then(() => children.delete(child));
  return child;
}

/** The last lines of a log file (reads at most its last 16 KiB). */
export function tailOf(path: string, lines = 15): string {
  if (!existsSync(path)) return "";
  const size = statSync(path).size;
  const length = Math.min(size, 16 * 1024);
  const buffer = Buffer.alloc(length);
  const fd = openSync(path, "r");
  try {
    readSync(fd, buffer, 0, length, size - length);
  } finally {
    closeSync(fd);
  }
  return buffer.toString("utf8").trimEnd().split("\n").slice(-lines).join("\n");
}

/**
 * A free TCP port on 127.0.0.1 for a child to listen on, below Linux's ephemeral range (32768–60999):
 * a port the OS hands out from that range can be taken as the local port of an outgoing connection
 * before the child binds it (a cluster started beside a browser suite met exactly that).
 */
export function freePort(): number {
  for (let tries = 0; tries < 50; tries++) {
    const port = 10_000 + Math.floor(Math.random() * 22_000);
    try {
      Bun.listen({ hostname: "127.0.0.1", port, socket: { data() {} } }).stop(true);
      return port;
    } catch {
      // taken: try another
    }
  }
  const server = Bun.listen({ hostname: "127.0.0.1", port: 0, socket: { data() {} } });
  const { port } = server;
  server.stop(true);
  return port;
}

/** Polls `probe` until it resolves truthy or `timeoutMs` passes. */
export async function waitFor(what: string, probe: () => Promise<boolean>, timeoutMs = 15_000) {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    if (await probe().catch(() => false)) return;
    await Bun.sleep(50);
  }
  throw new Error(`timed out after ${timeoutMs} ms waiting for ${what}`);
}

/** Waits for a child to become ready, failing at once (with its log) if it exits first. */
export async function readyOrDied(child: Child, ready: Promise<void>) {
  const died = child.exited.then((code) => {
    throw new Error(`${child.name} exited with ${code} while starting:\n${child.tail()}`);
  });
  died.catch(() => {});
  await Promise.race([ready, died]);
}

/** The system user Postgres and PgBouncer run as when we are root (they refuse to run as root). */
export function serviceOwner(): { uid: number; gid: number } | null {
  if (process.getuid?.() !== 0) return null;
  const entry = readFileSync("/etc/passwd", "utf8")
    .split("\n")
    .map((line) => line.split(":"))
    .find(([name]) => name === "postgres");
  if (!entry) throw new Error("running as root, and there is no `postgres` user to run PostgreSQL as");
  return { uid: Number(entry[2]), gid: Number(entry[3]) };
}
