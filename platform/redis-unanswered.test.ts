import { afterAll, beforeAll, expect, it } from "bun:test";
import Redis, { type RedisOptions } from "ioredis";
import { describeWith, findBinary } from "../test/support/binaries.ts";
import { type RedisServer, startRedis } from "../test/support/redis.ts";
import { failUnanswered } from "./redis-unanswered.ts";

const redisServer = findBinary("redis-server", ["/usr/bin/redis-server"]);

/** Keeps the event loop from running for `ms` (without using the CPU), as a long task, a GC pause or a busy machine does. */
function holdTheLoop(ms: number) {
  Atomics.wait(new Int32Array(new SharedArrayBuffer(4)), 0, 0, ms);
}

/** Lets an auto-pipelined command be written (ioredis sends the pipeline from a setImmediate). */
const inFlight = () => new Promise((sent) => setImmediate(sent));

describeWith({ "redis-server": redisServer }, "a Redis command's timeout", () => {
  let server: RedisServer;
  const connections: Redis[] = [];
  /** A connection whose commands time out after 150 ms, once it is ready (its set-up is not timed). */
  const connect = async (options: RedisOptions = {}) => {
    const redis = failUnanswered(
      new Redis(server.url, { maxRetriesPerRequest: 1, commandTimeout: 150, ...options }),
    );
    redis.on("error", () => {});
    connections.push(redis);
    await new Promise((ready) => redis.once("ready", ready));
    return redis;
  };
  /** Redis keeps the connection open and reads nothing while stopped: commands go unanswered. */
  const whileRedisIsStopped = async (during: () => Promise<void>) => {
    process.kill(server.pid, "SIGSTOP");
    try {
      await during();
    } finally {
      process.kill(server.pid, "SIGCONT");
    }
  };
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(async () => {
    for (const redis of connections) redis.disconnect();
    await server?.stop();
  });

  it("answers a command Redis answered in time though the process was held past the timeout (a busy test worker failed it: Command timed out)", async () => {
    const redis = await connect();
    const writer = new Redis(server.url);
    connections.push(writer);
    await writer.set("k", "v");
    // After a hold, ioredis's own timer ran before the pending reply was read about half the time here.
    for (let i = 0; i < 4; i++) {
      const answer = redis.get("k");
      holdTheLoop(250);
      expect(await answer).toBe("v");
    }
  });

  it("fails a command Redis leaves unanswered once its timeout has passed", async () => {
    const redis = await connect({ enableAutoPipelining: true });
    await whileRedisIsStopped(async () => {
      const started = performance.now();
      await expect(redis.get("k")).rejects.toThrow("Command timed out");
      expect(performance.now() - started).toBeGreaterThanOrEqual(145);
    });
  });

  it("still fails an unanswered command when the process was held past its timeout", async () => {
    const redis = await connect({ enableAutoPipelining: true });
    await whileRedisIsStopped(async () => {
      const answer = redis.get("k");
      await inFlight();
      holdTheLoop(250);
      await expect(answer).rejects.toThrow("Command timed out");
    });
  });
});
