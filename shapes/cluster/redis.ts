import { mkdirSync } from "node:fs";
import { join } from "node:path";
import { requirePrograms } from "./binaries.ts";
import { type Child, freePort, readyOrDied, spawnChild, waitFor } from "./child.ts";

export type RedisNode = Child & { port: number; url: string };

/** Sends one inline PING over a fresh connection; true once the server answers +PONG. */
export async function pong(port: number): Promise<boolean> {
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
 * A redis-server on a free 127.0.0.1 port. With `dir` it keeps an append-only file there (the event
 * streams survive a restart); without, it is memory-only. `port` pins it (a restart on the same port).
 */
export async function startRedis(options: {
  dir: string;
  persistent: boolean;
  port?: number;
}): Promise<RedisNode> {
  const { "redis-server": binary } = requirePrograms("redis-server");
  mkdirSync(options.dir, { recursive: true });
  const port = options.port ?? freePort();
  const child = spawnChild(
    "redis",
    [
      binary,
      ...["--port", String(port), "--bind", "127.0.0.1", "--dir", options.dir, "--save", ""],
      ...["--appendonly", options.persistent ? "yes" : "no", "--daemonize", "no"],
    ],
    { logFile: join(options.dir, "redis.log") },
  );
  await readyOrDied(
    child,
    waitFor(`redis-server on port ${port}`, () => pong(port)),
  );
  return { ...child, port, url: `redis://127.0.0.1:${port}` };
}
