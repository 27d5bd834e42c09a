import { afterAll, beforeAll, expect, it } from "bun:test";
import Redis from "ioredis";
import { describeWith, findBinary, waitFor } from "../../test/support/binaries.ts";
import { type RedisServer, startRedis } from "../../test/support/redis.ts";
import { parseExposition, total } from "../../test/support/scrape.ts";
import { watchRedis } from "./redis.ts";
import { createMetrics } from "./registry.ts";

const redisBinary = findBinary("redis-server", ["/usr/bin/redis-server"]);

describeWith({ "redis-server": redisBinary }, "Redis metrics", () => {
  let server: RedisServer;
  beforeAll(async () => {
    server = await startRedis();
  });
  afterAll(() => server.stop());

  const metrics = createMetrics();
  const read = async (name: string, client: string) =>
    total(parseExposition(await metrics.text()), name, { client });

  /** The commands ioredis sends on its own to make a connection ready (INFO, CLIENT SETINFO, …). */
  const handshake = async () => {
    const before = await read("fastr_redis_commands_total", "handshake");
    const probe = watchRedis(new Redis(server.url), "handshake");
    await waitFor("a fresh connection to be ready", async () => probe.status === "ready");
    const commands = (await read("fastr_redis_commands_total", "handshake")) - before;
    probe.disconnect();
    return commands;
  };

  it("counts a client's commands and its failed commands", async () => {
    const redis = watchRedis(new Redis(server.url), "counted");
    await redis.ping();
    const before = await read("fastr_redis_commands_total", "counted");
    const failedBefore = await read("fastr_redis_command_errors_total", "counted");

    await redis.set("k", "v");
    await redis.get("k");
    await expect(redis.call("no-such-command")).rejects.toThrow();

    expect((await read("fastr_redis_commands_total", "counted")) - before).toBe(3);
    expect((await read("fastr_redis_command_errors_total", "counted")) - failedBefore).toBe(1);
    redis.disconnect();
  });

  it("reports a client disconnected while Redis is away, a command sent meanwhile once, and connected again after", async () => {
    const redis = watchRedis(new Redis(server.url, { maxRetriesPerRequest: null }), "outage");
    redis.on("error", () => {});
    await redis.ping();
    expect(await read("fastr_redis_connected", "outage")).toBe(1);
    const before = await read("fastr_redis_commands_total", "outage");

    await server.stop();
    await waitFor("the client to notice", async () => redis.status !== "ready");
    expect(await read("fastr_redis_connected", "outage")).toBe(0);
    // Queued while Redis is away and sent again on reconnect: one command, counted once.
    const queued = redis.set("during", "outage");
    await server.restart();
    await queued;
    await waitFor("the client to reconnect", async () => redis.status === "ready");

    expect(await read("fastr_redis_connected", "outage")).toBe(1);
    // The reconnection's own handshake, and the queued SET once.
    expect((await read("fastr_redis_commands_total", "outage")) - before).toBe((await handshake()) + 1);
    expect(await redis.get("during")).toBe("outage");
    redis.disconnect();
    await waitFor("the client to end", async () => redis.status === "end");
    // A client that ended is no longer reported as a connection.
    const connected = parseExposition(await metrics.text()).filter((s) => s.name === "fastr_redis_connected");
    expect(connected.map((s) => s.labels.client)).not.toContain("outage");
  });
});
