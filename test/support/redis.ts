import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { startRedis as startRedisNode } from "../../shapes/cluster/redis.ts";

export type RedisServer = {
  url: string;
  pid: number;
  port: number;
  stop(): Promise<void>;
  restart(): Promise<void>;
};

/**
 * A throwaway, memory-only `redis-server` on a free 127.0.0.1 port, stopped by its PID. `restart()`
 * brings it back on the same port after `stop()` (tests of running through a Redis outage).
 * @example const redis = await startRedis(); afterAll(() => redis.stop()); redisCache(redis.url);
 */
export async function startRedis(): Promise<RedisServer> {
  const dir = mkdtempSync(join(tmpdir(), "fastr-redis-"));
  process.once("exit", () => rmSync(dir, { recursive: true, force: true }));
  let node = await startRedisNode({ dir, persistent: false });
  return {
    url: node.url,
    port: node.port,
    get pid() {
      return node.pid;
    },
    async stop() {
      await node.stop();
    },
    async restart() {
      node = await startRedisNode({ dir, persistent: false, port: node.port });
    },
  };
}

/**
 * Every command a Redis server receives while `watch` runs, as `redis-cli monitor` prints them
 * (arguments quoted). `redis-cli`, not ioredis's `monitor()`: under a busy cluster ioredis can take
 * the first monitored lines for replies to no command and throw ("Command queue state error").
 * @example const commands = await monitorRedis(url, async () => { await fetch(page); }); // ['"GET" "key"', …]
 */
export async function monitorRedis(url: string, watch: () => Promise<void>): Promise<string[]> {
  const { hostname, port } = new URL(url);
  const cli = Bun.spawn(["redis-cli", "-h", hostname, "-p", port, "monitor"], {
    stdout: "pipe",
    stderr: "ignore",
  });
  const lines: string[] = [];
  const decoder = new TextDecoder();
  let pending = "";
  const { promise: ok, resolve: started } = Promise.withResolvers<void>();
  const reading = (async () => {
    for await (const chunk of cli.stdout) {
      pending += decoder.decode(chunk, { stream: true });
      const complete = pending.split("\n");
      pending = complete.pop() ?? "";
      for (const line of complete) {
        if (line.trim() === "OK") started();
        else if (line.trim()) lines.push(line.replace(/^[\d.]+ \[[^\]]*\] /, ""));
      }
    }
  })();
  try {
    await Promise.race([
      ok,
      Bun.sleep(5_000).then(() => Promise.reject(new Error("redis-cli monitor did not start"))),
    ]);
    await watch();
    await Bun.sleep(100); // the last commands' lines are on their way
    return lines;
  } finally {
    cli.kill();
    await cli.exited;
    await reading.catch(() => {});
  }
}
