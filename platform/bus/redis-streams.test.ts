import { afterAll, beforeAll, expect, it } from "bun:test";
import Redis from "ioredis";
import type { EventEnvelope } from "../../contracts/events.ts";
import { describeWith, findBinary } from "../../test/support/binaries.ts";
import { type RedisServer, startRedis } from "../../test/support/redis.ts";
import { spawnWatched } from "../../test/support/watched-process.ts";
import { newId } from "../ids.ts";
import { busContract, fastRetry, stockChanged } from "./bus.contract.ts";
import { type RedisStreamsOptions, redisStreamsBus } from "./redis-streams.ts";

const redisBinary = findBinary("redis-server", ["/usr/bin/redis-server"]);

describeWith({ "redis-server": redisBinary }, "Redis Streams bus", () => {
  let server: RedisServer;
  let redis: Redis;
  beforeAll(async () => {
    server = await startRedis();
    redis = new Redis(server.url);
  });
  afterAll(async () => {
    redis.disconnect();
    await server.stop();
  });

  /** Every test gets its own streams, so groups never see another test's events. */
  const open = (extra: Partial<RedisStreamsOptions> = {}) =>
    redisStreamsBus({
      url: server.url,
      prefix: `t${crypto.randomUUID().slice(0, 8)}`,
      retry: fastRetry,
      ...extra,
    });

  busContract("redis-streams", async () => open());

  const deadLetters = async (prefix: string) =>
    ((await redis.xrange(`${prefix}.dead-letter`, "-", "+")) as [string, string[]][]).map(([, fields]) => {
      const get = (name: string) => fields[fields.indexOf(name) + 1]!;
      return { group: get("group"), error: get("error"), event: get("event") };
    });

  it("dead-letters an event its handler keeps failing on, tells onPoison, and moves on", async () => {
    const prefix = `t${crypto.randomUUID().slice(0, 8)}`;
    const poisoned: string[] = [];
    const bus = open({ prefix, onPoison: (_c, e) => void poisoned.push(e.id) });
    const [poison, next] = [stockChanged(newId(), 1), stockChanged(newId(), 2)];
    const handled: string[] = [];
    await bus.subscribe("indexer", async (e) => {
      if (e.id === poison.id) throw new Error("cannot index this one");
      handled.push(e.id);
    });

    await bus.publish([poison, next]);
    await bus.drain();

    expect(handled).toEqual([next.id]);
    expect(poisoned).toEqual([poison.id]);
    const [letter] = await deadLetters(prefix);
    expect(letter!.group).toBe("indexer");
    expect(letter!.error).toContain("cannot index this one");
    expect(JSON.parse(letter!.event).id).toBe(poison.id);
    await bus.close();
  });

  it("reclaims the event a killed consumer was handling, and handles it once", async () => {
    const prefix = `t${crypto.randomUUID().slice(0, 8)}`;
    const visibilityMs = 600;
    const { proc: stuck, printed: readLine } = spawnWatched([
      "bun",
      `${import.meta.dir}/fixtures/stuck-consumer.ts`,
      server.url,
      prefix,
      "mailer",
      String(visibilityMs),
    ]);
    try {
      await readLine("subscribed");
      const publisher = open({ prefix });
      const event = stockChanged(newId(), 1);
      await publisher.publish([event]);
      await readLine(`handling ${event.id}`);
      stuck.kill("SIGKILL");
      await stuck.exited;

      const handled: EventEnvelope[] = [];
      const survivor = open({ prefix, visibilityMs });
      await survivor.subscribe("mailer", async (e) => void handled.push(e));
      await survivor.drain();

      expect(handled.map((e) => e.id)).toEqual([event.id]);
      await survivor.close();
      await publisher.close();
    } finally {
      stuck.kill("SIGKILL");
    }
  });

  it("dead-letters an entry that crashed its consumers too often, without handing it out again", async () => {
    const prefix = `t${crypto.randomUUID().slice(0, 8)}`;
    const stream = `${prefix}.product`;
    const crasher = stockChanged(newId(), 1);
    await redis.xgroup("CREATE", stream, "mailer", "0", "MKSTREAM");
    await redis.xadd(stream, "*", "event", JSON.stringify(crasher));
    // Three consumers in turn read it and died before acknowledging it.
    await redis.xreadgroup("GROUP", "mailer", "ghost-1", "COUNT", 1, "STREAMS", stream, ">");
    const [[id]] = (await redis.xpending(stream, "mailer", "-", "+", 1)) as [[string]];
    for (const ghost of ["ghost-2", "ghost-3"]) await redis.xclaim(stream, "mailer", ghost, 0, id);

    const handled: string[] = [];
    const bus = open({ prefix, maxDeliveries: 3 });
    await bus.subscribe("mailer", async (e) => void handled.push(e.id));
    await bus.drain();

    expect(handled).toEqual([]);
    const [letter] = await deadLetters(prefix);
    expect(JSON.parse(letter!.event).id).toBe(crasher.id);
    expect(letter!.error).toContain("delivered 3 times without an ack");
    await bus.close();
  });

  it("keeps one aggregate's order when two instances share a consumer group", async () => {
    const prefix = `t${crypto.randomUUID().slice(0, 8)}`;
    const [a, b] = [open({ prefix, visibilityMs: 300 }), open({ prefix, visibilityMs: 300 })];
    const seen: number[] = [];
    const record = async (e: EventEnvelope) => {
      if (Math.random() < 0.3) await Bun.sleep(1);
      seen.push((e.payload as { stock: number }).stock);
    };
    await a.subscribe("projector", record);
    await b.subscribe("projector", record);
    const aggregate = newId();
    for (let n = 0; n < 40; n += 2) {
      await (n % 4 ? a : b).publish([stockChanged(aggregate, n), stockChanged(aggregate, n + 1)]);
    }
    await a.drain();
    // Hand over mid-stream: closing one instance releases its leases to the other.
    await a.close();
    for (let n = 40; n < 60; n++) await b.publish([stockChanged(aggregate, n)]);
    await b.drain();

    expect(seen).toEqual(Array.from({ length: 60 }, (_, n) => n));
    await b.close();
  });
});
