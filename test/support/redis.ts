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
