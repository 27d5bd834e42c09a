import { afterAll, beforeAll, describe, expect, it, setDefaultTimeout } from "bun:test";
import { Kafka, type KafkaMessage, logLevel } from "kafkajs";
import type { EventEnvelope } from "../../contracts/events.ts";
import { describeWith, freePort, waitFor } from "../../test/support/binaries.ts";
import { type KafkaPeer, kafkaRequirements, startKafka } from "../../test/support/kafka.ts";
import { spawnWatched } from "../../test/support/watched-process.ts";
import { newId } from "../ids.ts";
import { busContract, fastRetry, stockChanged } from "./bus.contract.ts";
import { type KafkaBusOptions, kafkaBus, kafkaTopics } from "./kafka.ts";
import type { Bus } from "./port.ts";

// A new consumer group's first join takes 3 s on the mock; bunfig's [test] timeout is not applied.
setDefaultTimeout(20_000);

/** Every test gets its own topics and groups; the mock cannot create topics later, so make them all now. */
const namespaces = Array.from({ length: 14 }, () => `t${crypto.randomUUID().slice(0, 8)}`);

describeWith(kafkaRequirements(), "Kafka bus", () => {
  let peer: KafkaPeer;
  let unused: string[];
  beforeAll(async () => {
    peer = await startKafka(namespaces.flatMap((prefix) => kafkaTopics(prefix)));
    unused = [...namespaces];
  });
  afterAll(() => peer.stop());

  const freshPrefix = () => {
    const prefix = unused.shift();
    if (!prefix) throw new Error("out of topic namespaces: raise the count in kafka.test.ts");
    return prefix;
  };
  const optionsFor = (prefix: string, extra: Partial<KafkaBusOptions> = {}): KafkaBusOptions => ({
    brokers: peer.brokers,
    prefix,
    retry: fastRetry,
    ...peer.timing,
    ...extra,
  });

  busContract("kafka", async () => kafkaBus(optionsFor(freshPrefix())), { concurrent: true });

  /** Reads a topic from the start through its own consumer group until `count` messages arrived. */
  async function readTopic(topic: string, count: number) {
    const kafka = new Kafka({ clientId: "reader", brokers: peer.brokers, logLevel: logLevel.NOTHING });
    const consumer = kafka.consumer({
      groupId: `reader-${newId()}`,
      sessionTimeout: peer.timing.sessionTimeoutMs,
      heartbeatInterval: peer.timing.heartbeatIntervalMs,
      maxWaitTimeInMs: peer.timing.maxWaitMs,
    });
    const messages: KafkaMessage[] = [];
    const done = Promise.withResolvers<void>();
    await consumer.connect();
    await consumer.subscribe({ topic, fromBeginning: true });
    const running = consumer.run({
      eachMessage: async ({ message }) => {
        messages.push(message);
        if (messages.length >= count) done.resolve();
      },
    });
    return {
      messages: async () => {
        await running;
        await done.promise;
        await consumer.disconnect();
        return messages;
      },
    };
  }

  it.concurrent("dead-letters an event its handler keeps failing on, with its origin, tells onPoison, and moves on", async () => {
    const prefix = freshPrefix();
    // Join the reader's group now: the mock holds every new group's first join for 3 s.
    const deadLetters = await readTopic(`${prefix}.dead-letter`, 1);
    const poisoned: { consumer: string; id: string }[] = [];
    const bus = kafkaBus(
      optionsFor(prefix, { onPoison: (consumer, e) => void poisoned.push({ consumer, id: e.id }) }),
    );
    const traceparent = "00-4bf92f3577b34da6a3ce929d0e0e4736-00f067aa0ba902b7-01";
    const poison = { ...stockChanged(newId(), 1), traceparent };
    const next = stockChanged(poison.aggregateId, 2);
    const handled: string[] = [];
    let attempts = 0;
    await bus.subscribe("indexer", async (e) => {
      if (e.id === poison.id) {
        attempts++;
        throw new Error("cannot index this one");
      }
      handled.push(e.id);
    });

    await bus.publish([poison, next]);
    await bus.drain();

    expect(attempts).toBe(fastRetry.attempts);
    expect(handled).toEqual([next.id]);
    expect(poisoned).toEqual([{ consumer: "indexer", id: poison.id }]);
    const [letter] = await deadLetters.messages();
    const headers = Object.fromEntries(
      Object.entries(letter!.headers ?? {}).map(([name, value]) => [name, String(value)]),
    );
    expect(letter!.key?.toString()).toBe(poison.aggregateId);
    expect(JSON.parse(letter!.value!.toString()).id).toBe(poison.id);
    expect(headers).toMatchObject({
      "event-id": poison.id,
      "event-type": "product.stock_changed",
      "event-version": "1",
      traceparent,
      "dead-letter-group": `${prefix}.indexer`,
      "dead-letter-topic": `${prefix}.product`,
      "dead-letter-offset": "0",
    });
    expect(headers["dead-letter-error"]).toContain("cannot index this one");
    expect(Number(headers["dead-letter-partition"])).toBeGreaterThanOrEqual(0);
    await bus.close();
  });

  it.concurrent("dead-letters a message that is not an event envelope, without onPoison, and moves on", async () => {
    const prefix = freshPrefix();
    const deadLetters = await readTopic(`${prefix}.dead-letter`, 1);
    const poisoned: string[] = [];
    const bus = kafkaBus(optionsFor(prefix, { onPoison: (_c, e) => void poisoned.push(e.id) }));
    const handled: string[] = [];
    await bus.subscribe("indexer", async (e) => void handled.push(e.id));
    const producer = new Kafka({
      clientId: "raw",
      brokers: peer.brokers,
      logLevel: logLevel.NOTHING,
    }).producer();
    await producer.connect();
    // Same key as the event after it: one partition, so the event is behind the bad message.
    const aggregate = newId();
    await producer.send({ topic: `${prefix}.product`, messages: [{ key: aggregate, value: "{not json" }] });
    await producer.disconnect();
    const next = stockChanged(aggregate, 1);

    await bus.publish([next]);
    await bus.drain();

    expect(handled).toEqual([next.id]);
    expect(poisoned).toEqual([]);
    const [letter] = await deadLetters.messages();
    expect(letter!.value!.toString()).toBe("{not json");
    expect(String(letter!.headers!["dead-letter-error"])).toContain("not an event envelope");
    await bus.close();
  });

  it.concurrent("hands the event a killed consumer was handling to another member of its group, which handles it", async () => {
    const prefix = freshPrefix();
    const { proc: stuck, printed: readLine } = spawnWatched([
      "bun",
      `${import.meta.dir}/fixtures/stuck-kafka-consumer.ts`,
      peer.brokers.join(","),
      prefix,
      "mailer",
      JSON.stringify(peer.timing),
    ]);
    const publisher = kafkaBus(optionsFor(prefix));
    try {
      await readLine("subscribed");
      const event = stockChanged(newId(), 1);
      await publisher.publish([event]);
      await readLine(`handling ${event.id}`);
      stuck.kill("SIGKILL");
      await stuck.exited;

      const handled: EventEnvelope[] = [];
      const survivor = kafkaBus(optionsFor(prefix));
      await survivor.subscribe("mailer", async (e) => void handled.push(e));
      await survivor.drain();

      expect(handled.map((e) => e.id)).toEqual([event.id]);
      await survivor.close();
    } finally {
      stuck.kill("SIGKILL");
      await publisher.close();
    }
  });

  it.concurrent.skipIf(Boolean(process.env.KAFKA_BROKERS))(
    "starts a consumer again that kafkajs gave up on after an error it does not retry, and it consumes",
    async () => {
      // A mock of its own: the armed error goes to whichever consumer syncs next.
      const prefix = freshPrefix();
      const own = await startKafka(kafkaTopics(prefix));
      // API 14 is SyncGroup; 42 is INVALID_REQUEST, what the mock answers a member whose group emptied
      // meanwhile. kafkajs does not restart a consumer that crashed on it.
      await own.injectError!(14, 42);
      const bus = kafkaBus({ ...optionsFor(prefix), brokers: own.brokers });
      try {
        const handled: string[] = [];
        await bus.subscribe("mailer", async (e) => void handled.push(e.id));
        const event = stockChanged(newId(), 1);
        await bus.publish([event]);
        await waitFor("the event to be handled", async () => handled.length > 0, 15_000);
        expect(handled).toEqual([event.id]);
      } finally {
        await bus.close();
        await own.stop();
      }
    },
  );

  it.concurrent("close finishes the event in hand and commits it, so the group's next member skips it", async () => {
    const prefix = freshPrefix();
    const first = kafkaBus(optionsFor(prefix));
    const started = Promise.withResolvers<void>();
    const finished: string[] = [];
    await first.subscribe("mailer", async (e) => {
      started.resolve();
      await Bun.sleep(300);
      finished.push(e.id);
    });
    const event = stockChanged(newId(), 1);
    await first.publish([event]);
    await started.promise;

    await first.close();
    expect(finished).toEqual([event.id]);

    const again: string[] = [];
    const next = kafkaBus(optionsFor(prefix));
    await next.subscribe("mailer", async (e) => void again.push(e.id));
    const later = stockChanged(newId(), 2);
    await next.publish([later]);
    await next.drain();
    expect(again).toEqual([later.id]);
    await next.close();
  });

  it.concurrent("keeps each aggregate's order when two members share a group, and across a graceful handover", async () => {
    const prefix = freshPrefix();
    const [a, b] = [kafkaBus(optionsFor(prefix)), kafkaBus(optionsFor(prefix))];
    const seen = new Map<string, number[]>();
    const members = { a: new Set<string>(), b: new Set<string>() };
    // As the inbox does: an event handled again (its commit fell into a rebalance) changes nothing.
    const handled = new Set<string>();
    const record = (member: "a" | "b") => async (e: EventEnvelope) => {
      if (Math.random() < 0.3) await Bun.sleep(1);
      members[member].add(e.aggregateId);
      if (handled.has(e.id)) return;
      handled.add(e.id);
      seen.set(e.aggregateId, [...(seen.get(e.aggregateId) ?? []), (e.payload as { stock: number }).stock]);
    };
    await a.subscribe("projector", record("a"));
    await b.subscribe("projector", record("b"));
    // Enough aggregates that both members' partitions get some.
    const aggregates = Array.from({ length: 24 }, () => newId());
    let rounds = 0;
    const publishRound = (bus: Bus) => {
      const n = 2 * rounds++;
      return bus.publish(aggregates.flatMap((id) => [stockChanged(id, n), stockChanged(id, n + 1)]));
    };
    // Publish until both members have handled some: one may join a generation late (a rebalance then
    // moves partitions mid-stream, which the order must survive too).
    const deadline = Date.now() + 12_000;
    do {
      await publishRound(a);
      await a.drain();
    } while ((members.a.size === 0 || members.b.size === 0) && Date.now() < deadline);
    expect(members.a.size).toBeGreaterThan(0);
    expect(members.b.size).toBeGreaterThan(0);

    // a leaves: its partitions move to b, which starts after a's last commit.
    await a.close();
    for (let round = 0; round < 3; round++) await publishRound(b);
    await b.drain();

    const expected = Array.from({ length: 2 * rounds }, (_, k) => k);
    for (const id of aggregates) expect(seen.get(id)).toEqual(expected);
    await b.close();
  });

  it("leaves an idle connection without a timer spinning every millisecond (patches/kafkajs)", async () => {
    const bus = kafkaBus(optionsFor(freshPrefix()));
    await bus.publish([stockChanged(newId(), 1)]);
    const realSetTimeout = globalThis.setTimeout;
    let timers = 0;
    globalThis.setTimeout = ((...args: Parameters<typeof setTimeout>) => {
      timers++;
      return realSetTimeout(...args);
    }) as typeof setTimeout;
    try {
      await Bun.sleep(300);
    } finally {
      globalThis.setTimeout = realSetTimeout;
    }
    // Unpatched kafkajs 2.2.4 re-arms a 1 ms timer per connection forever: hundreds in 300 ms.
    expect(timers).toBeLessThan(30);
    await bus.close();
  });
});

describe("Kafka bus without a broker", () => {
  it("reports kafkajs's errors through our logger and rejects the publish", async () => {
    const lines: { level: string; msg: string }[] = [];
    const capture = (level: string) => (msg: string) => void lines.push({ level, msg });
    const bus = kafkaBus({
      brokers: [`127.0.0.1:${freePort()}`],
      clientRetry: { retries: 0 },
      log: {
        debug: capture("debug"),
        info: capture("info"),
        warn: capture("warn"),
        error: capture("error"),
        request() {},
      },
    });

    await expect(bus.publish([stockChanged(newId(), 1)])).rejects.toThrow(/ECONNREFUSED|Connection/);

    expect(lines.some((l) => l.level === "error" && l.msg.startsWith("kafkajs "))).toBe(true);
    expect(lines.filter((l) => l.level === "debug" || l.level === "info")).toEqual([]);
    await bus.close();
  });

  it("rejects publishing and subscribing after close", async () => {
    const bus = kafkaBus({ brokers: [`127.0.0.1:${freePort()}`] });
    await bus.close();
    await expect(bus.publish([stockChanged(newId(), 1)])).rejects.toThrow("bus is closed");
    await expect(bus.subscribe("late", async () => {})).rejects.toThrow("bus is closed");
  });
});
