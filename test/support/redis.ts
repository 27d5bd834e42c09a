import { freePort, waitFor } from "./binaries.ts";

export type RedisServer = { url: string; pid: number; stop(): Promise<void> };

/** Sends one inline PING over a fresh connection; true once the server answers +PONG. */
async function pong(port: number): Promise<boolean> {
  const { promise, resolve } = Promise.withResolvers<boolean>();
  const timer = setTimeout(() => resolve(false), 1_000);
  const socket = await Bun.connect({
    hostname: "127.0.0.1",
    port,
    socket: {
      open: (s) => void s.write("PING\r\n"),
      data: (_s, data) => resolve(data.toString().startsWith("+PONG")),
      error: () => resolve(false),
      close: () => resolve(false),
      connectError: () => resolve(false),
    },
  });
  try {
    return await promise;
  } finally {
    clearTimeout(timer);
    socket.end();
  }
}

/**
 * Starts a throwaway, memory-only `redis-server` on a free 127.0.0.1 port and waits until it answers
 * PING. `stop()` signals that process by its PID and waits for it to exit; it is also killed if this
 * process exits first, so a crashed test run leaves nothing behind.
 * @example const redis = await startRedis(); afterAll(() => redis.stop()); redisCache(redis.url);
 */
export async function startRedis(binary = "redis-server"): Promise<RedisServer> {
  let lastError: unknown;
  // freePort() releases the port before redis binds it; on the rare lost race, try another.
  for (let attempt = 1; attempt <= 3; attempt++) {
    const port = freePort();
    const proc = Bun.spawn(
      [
        binary,
        "--port",
        String(port),
        "--bind",
        "127.0.0.1",
        "--save",
        "",
        "--appendonly",
        "no",
        "--daemonize",
        "no",
      ],
      { stdin: "ignore", stdout: "pipe", stderr: "pipe" },
    );
    const output = Promise.all([new Response(proc.stdout).text(), new Response(proc.stderr).text()]).then(
      (parts) => parts.join("").trim().split("\n").slice(-10).join("\n"),
    );
    const killOnExit = () => proc.kill("SIGKILL");
    process.once("exit", killOnExit);

    const stop = async () => {
      process.off("exit", killOnExit);
      if (proc.exitCode !== null || proc.signalCode !== null) return;
      proc.kill("SIGTERM");
      const exited = await Promise.race([proc.exited.then(() => true), Bun.sleep(5_000).then(() => false)]);
      if (!exited) {
        proc.kill("SIGKILL");
        await proc.exited;
      }
    };

    const died = proc.exited.then(async (code) => {
      throw new Error(`redis-server exited with ${code} before answering PING:\n${await output}`);
    });
    died.catch(() => {});
    try {
      await Promise.race([waitFor(`redis-server on port ${port} to answer PING`, () => pong(port)), died]);
      return { url: `redis://127.0.0.1:${port}`, pid: proc.pid, stop };
    } catch (error) {
      lastError = error;
      await stop();
    }
  }
  throw lastError;
}
