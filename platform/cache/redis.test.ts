import { afterAll, beforeAll } from "bun:test";
import { describeWith, findBinary } from "../../test/support/binaries.ts";
import { type RedisServer, startRedis } from "../../test/support/redis.ts";
import { cacheContract } from "./cache.contract.ts";
import { redisCache } from "./redis.ts";

const redisServer = findBinary("redis-server", ["/usr/bin/redis-server"]);

describeWith({ "redis-server": redisServer }, "redis cache", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis(redisServer!);
  });
  afterAll(() => server?.stop());

  cacheContract("redis", async () => ({ cache: redisCache(server.url) }));
});
