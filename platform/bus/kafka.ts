import {
  type Admin,
  type EachBatchPayload,
  type IHeaders,
  Kafka,
  type KafkaMessage,
  type logCreator,
  logLevel,
  Partitioners,
  type RetryOptions,
} from "kafkajs";
import { EventEnvelope } from "../../contracts/events.ts";
import { type Logger, silentLogger } from "../log.ts";
import { aggregateOf, aggregateTypes } from "./aggregates.ts";
import type { Bus, EventHandler, PoisonHandler, RetryPolicy } from "./port.ts";
import { backoff, defaultRetry } from "./port.ts";

export type KafkaBusOptions = {
  /** Bootstrap brokers, `host:port`. */
  brokers: readonly string[];
  /** Names every topic and group: topics `<prefix>.order`, `<prefix>.dead-letter`, groups `<prefix>.<consumer>`. */
  prefix?: string;
  clientId?: string;
  /** Attempts in this process before an event is dead-lettered. */
  retry?: RetryPolicy;
  onPoison?: PoisonHandler;
  /** Where kafkajs's own warnings and errors go. */
  log?: Logger;
  /** How long the group coordinator waits for a silent member before moving its partitions. */
  sessionTimeoutMs?: number;
  heartbeatIntervalMs?: number;
  /** How long a rebalance waits for members to rejoin. */
  rebalanceTimeoutMs?: number;
  /** A fetch's long-poll; it bounds how long `close` waits and must stay well under the session timeout. */
  maxWaitMs?: number;
  /** kafkajs's retry of connections and requests (not of handlers: that is `retry`). */
  clientRetry?: RetryOptions;
};

const aggregateTopics = (prefix: string) => aggregateTypes.map((type) => `${prefix}.${type}`);
const deadLetterTopic = (prefix: string) => `${prefix}.dead-letter`;

/**
 * The topics a prefix needs: one per aggregate type of the event contracts, and the dead-letter topic.
 * Provision them up front (the cluster's mock peer and KAFKA_BROKERS, compose's kafka-init).
 */
export const kafkaTopics = (prefix = "fastr") => [...aggregateTopics(prefix), deadLetterTopic(prefix)];

/**
 * kafkajs logs through our logger, warnings and errors only. Its connection layer logs every error
 * response at error level, including the routine ones of a rebalance; the layers above retry or rejoin,
 * and log at error themselves when they give up, so those responses are warnings here.
 */
const kafkajsLogs =
  (log: Logger): logCreator =>
  () =>
  ({ namespace, level, log: { message, timestamp: _, logger: __, ...fields } }) =>
    (level === logLevel.ERROR && namespace !== "Connection" ? log.error : log.warn)(
      `kafkajs ${namespace}: ${message}`,
      fields,
    );

const optionalHeader = (name: string, value: unknown) => (typeof value === "string" ? { [name]: value } : {});

type Group = {
  /** The consumer name given to `subscribe`. */
  name: string;
  /** Its Kafka consumer group. */
  id: string;
  handler: EventHandler;
  onPoison: PoisonHandler;
  disconnect: () => Promise<void>;
  /** Settles once the consumer has joined its group, or given up trying. */
  started: Promise<void>;
};

/**
 * The distributed shape's bus over Kafka (kafkajs): a topic per aggregate type, the aggregate id as the
 * message key (so one aggregate's events share a partition and keep their order), and a consumer group
 * per consuming service, `<prefix>.<consumer>`.
 *
 * A group commits a message's offset only after its handler (and so the inbox transaction) succeeded.
 * A handler that keeps failing is retried in process with backoff; then the message goes to the
 * dead-letter topic (its headers name the group, the error and where it came from), `onPoison` hears of
 * it, and the partition moves on. A consumer that dies mid-event never committed it: the group hands its
 * partitions to another member, which starts at that event. `close` finishes the event in hand, commits
 * it and leaves the group, so its partitions move without waiting for the session to time out.
 *
 * Producer: acks from all in-sync replicas, one request in flight per broker (a retried send cannot
 * overtake the next one), not idempotent. Topics are not auto-created: provision `kafkaTopics(prefix)`.
 * @example const bus = kafkaBus({ brokers: ["kafka:9092"], log, onPoison });
 */
export function kafkaBus(options: KafkaBusOptions): Bus {
  const prefix = options.prefix ?? "fastr";
  const retry = options.retry ?? defaultRetry;
  const log = options.log ?? silentLogger;
  const sessionTimeout = options.sessionTimeoutMs ?? 30_000;
  /** How long a consumer kafkajs gave up on waits before it is started again. */
  const restartDelayMs = options.clientRetry?.initialRetryTime ?? 1_000;
  const heartbeatInterval = options.heartbeatIntervalMs ?? 3_000;
  const topicOf = (type: string) => `${prefix}.${aggregateOf(type)}`;
  const topics = aggregateTopics(prefix);
  const deadLetter = deadLetterTopic(prefix);

  const kafka = new Kafka({
    clientId: options.clientId ?? "fastr",
    brokers: [...options.brokers],
    logLevel: logLevel.WARN,
    logCreator: kafkajsLogs(log),
    retry: options.clientRetry,
  });
  const producer = kafka.producer({
    createPartitioner: Partitioners.DefaultPartitioner,
    allowAutoTopicCreation: false,
    idempotent: false,
    maxInFlightRequests: 1,
  });
  const groups = new Map<string, Group>();
  let admin: Promise<Admin> | null = null;
  let producing: Promise<void> | null = null;
  let closed = false;

  /** Connects on first use; a failed attempt is forgotten so the next call tries again. */
  const connected = () => {
    producing ??= producer.connect().catch((error) => {
      producing = null;
      throw error;
    });
    return producing;
  };
  const adminClient = () => {
    admin ??= (async () => {
      const client = kafka.admin({ retry: options.clientRetry });
      await client.connect();
      // Loads every topic's metadata in one go: kafkajs's admin calls add their topics one by one, and
      // concurrent additions race (a refresh can drop a topic, and a partition list comes back empty).
      await client.fetchTopicMetadata({ topics });
      return client;
    })().catch((error) => {
      admin = null;
      throw error;
    });
    return admin;
  };

  const decode = (message: KafkaMessage): EventEnvelope | null => {
    try {
      const parsed = EventEnvelope.safeParse(JSON.parse(message.value?.toString() ?? ""));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  };

  async function bury(
    group: Group,
    where: { topic: string; partition: number },
    message: KafkaMessage,
    event: EventEnvelope | null,
    error: unknown,
  ) {
    await connected();
    await producer.send({
      topic: deadLetter,
      acks: -1,
      messages: [
        {
          key: message.key,
          value: message.value,
          headers: {
            ...message.headers,
            "dead-letter-group": group.id,
            "dead-letter-error": String(error),
            "dead-letter-topic": where.topic,
            "dead-letter-partition": String(where.partition),
            "dead-letter-offset": message.offset,
          },
        },
      ],
    });
    if (event) await Promise.resolve(group.onPoison(group.name, event, error)).catch(() => {});
  }

  /**
   * Handles one message until it succeeds or is dead-lettered; false when the bus closed first (the
   * message stays uncommitted for whoever owns the partition next). Heartbeats go on meanwhile, so a
   * slow handler keeps its partitions.
   */
  async function deliver(
    group: Group,
    where: { topic: string; partition: number },
    message: KafkaMessage,
    heartbeat: () => Promise<void>,
  ): Promise<boolean> {
    const event = decode(message);
    if (!event) {
      await bury(group, where, message, null, new Error("not an event envelope"));
      return true;
    }
    const alive = setInterval(() => heartbeat().catch(() => {}), heartbeatInterval);
    try {
      for (let attempt = 1; ; attempt++) {
        try {
          await group.handler(event);
          return true;
        } catch (error) {
          if (closed) return false;
          if (attempt >= retry.attempts) {
            await bury(group, where, message, event, error);
            return true;
          }
          await Bun.sleep(backoff(attempt, retry));
          if (closed) return false;
        }
      }
    } finally {
      clearInterval(alive);
    }
  }

  const eachBatch =
    (group: Group) =>
    async ({
      batch,
      heartbeat,
      isRunning,
      isStale,
      resolveOffset,
      commitOffsetsIfNecessary,
    }: EachBatchPayload) => {
      const { topic, partition } = batch;
      for (const message of batch.messages) {
        if (closed || !isRunning() || isStale()) return;
        if (!(await deliver(group, { topic, partition }, message, heartbeat))) return;
        resolveOffset(message.offset);
        // The committed offset names the next message to read.
        const next = (BigInt(message.offset) + 1n).toString();
        await commitOffsetsIfNecessary({ topics: [{ topic, partitions: [{ partition, offset: next }] }] });
        await heartbeat();
      }
    };

  type Ends = Map<string, { low: bigint; high: bigint }>;
  const partitionKey = (topic: string, partition: number) => `${topic}/${partition}`;

  /** The end offsets of the aggregate topics' partitions: what "published so far" means to `drain`. */
  async function endOffsets(client: Admin): Promise<Ends> {
    const ends: Ends = new Map();
    for (const topic of topics) {
      for (const { partition, low, high } of await client.fetchTopicOffsets(topic)) {
        ends.set(partitionKey(topic, partition), { low: BigInt(low), high: BigInt(high) });
      }
    }
    return ends;
  }

  /** How many messages of each partition in `ends` a group has not committed yet. */
  async function behind(client: Admin, group: Group, ends: Ends) {
    const committed = new Map<string, bigint>();
    for (const { topic, partitions } of await client.fetchOffsets({ groupId: group.id, topics })) {
      for (const { partition, offset } of partitions)
        committed.set(partitionKey(topic, partition), BigInt(offset));
    }
    return [...ends].map(([key, { low, high }]) => {
      const at = committed.get(key) ?? -1n;
      // Nothing committed yet: the group starts at the earliest message still kept.
      return { key, count: high - (at < 0n ? low : at) };
    });
  }

  /** True once every group of this bus has committed each partition up to its end in `ends`. */
  async function caughtUp(client: Admin, ends: Ends) {
    for (const group of groups.values()) {
      if ((await behind(client, group, ends)).some(({ count }) => count > 0n)) return false;
    }
    return true;
  }

  return {
    kind: "kafka",

    async publish(events) {
      if (closed) throw new Error("bus is closed");
      if (events.length === 0) return;
      const byTopic = new Map<string, { key: string; value: string; headers: IHeaders }[]>();
      for (const e of events) {
        const messages = byTopic.get(topicOf(e.type)) ?? [];
        messages.push({
          key: e.aggregateId,
          value: JSON.stringify(e),
          headers: {
            "event-id": e.id,
            "event-type": e.type,
            "event-version": String(e.version),
            // Trace context rides along when the envelope carries one (W3C `traceparent`), where
            // Kafka tooling looks for it; consumers read it from the envelope itself.
            ...optionalHeader("traceparent", e.traceparent),
            ...optionalHeader("tracestate", e.tracestate),
          },
        });
        byTopic.set(topicOf(e.type), messages);
      }
      await connected();
      await producer.sendBatch({
        acks: -1,
        topicMessages: [...byTopic].map(([topic, messages]) => ({ topic, messages })),
      });
    },

    async subscribe(name, handler, subscribeOptions) {
      if (closed) throw new Error("bus is closed");
      if (groups.has(name)) throw new Error(`consumer ${name} is already subscribed`);
      const id = `${prefix}.${name}`;
      const consumer = kafka.consumer({
        groupId: id,
        sessionTimeout,
        heartbeatInterval,
        rebalanceTimeout: options.rebalanceTimeoutMs ?? 60_000,
        maxWaitTimeInMs: options.maxWaitMs ?? 1_000,
        allowAutoTopicCreation: false,
        // kafkajs restarts a consumer that crashed on a retriable error; never after close.
        retry: { ...options.clientRetry, restartOnFailure: async () => !closed },
      });
      const group: Group = {
        name,
        id,
        handler,
        onPoison: subscribeOptions?.onPoison ?? options.onPoison ?? (() => {}),
        disconnect: () => consumer.disconnect(),
        started: Promise.resolve(),
      };
      groups.set(name, group);
      try {
        await consumer.connect();
        // A new group reads from the beginning, so nothing published before its first join is missed.
        await consumer.subscribe({ topics, fromBeginning: true });
      } catch (error) {
        groups.delete(name);
        await consumer.disconnect().catch(() => {});
        throw error;
      }
      const run = () =>
        consumer
          .run({ autoCommit: false, eachBatchAutoResolve: false, eachBatch: eachBatch(group) })
          .catch((error) => log.error("kafka consumer did not start", { group: id, error }));
      // kafkajs gives a consumer up for good after a crash on an error it does not retry (a coordinator
      // answering INVALID_REQUEST, say): the process would go on without consuming. Start it again.
      consumer.on(consumer.events.CRASH, ({ payload }) => {
        if (payload.restart || closed) return;
        log.error("kafka consumer crashed; starting it again", { group: id, error: payload.error });
        const again = setTimeout(() => {
          if (!closed) group.started = run();
        }, restartDelayMs);
        again.unref();
      });
      // Joining can take seconds (the coordinator waits for more members); handling starts after it.
      group.started = run();
    },

    async drain() {
      if (groups.size === 0 || closed) return;
      const client = await adminClient();
      const ends = await endOffsets(client);
      while (!closed && !(await caughtUp(client, ends))) await Bun.sleep(20);
    },

    async lag() {
      if (groups.size === 0 || closed) return [];
      const client = await adminClient();
      const ends = await endOffsets(client);
      const lags = [];
      for (const group of groups.values()) {
        const partitions = await behind(client, group, ends);
        for (const topic of topics) {
          const count = partitions
            .filter(({ key }) => key.startsWith(`${topic}/`))
            .reduce((sum, { count }) => sum + count, 0n);
          lags.push({ consumer: group.name, stream: topic, lag: Number(count) });
        }
      }
      return lags;
    },

    async close() {
      if (closed) return;
      closed = true;
      await Promise.all(
        [...groups.values()].map(async (group) => {
          await group.started;
          // Finishes (and commits) the message in hand, then leaves the group: a rebalance, not a timeout.
          await group
            .disconnect()
            .catch((error) => log.warn("kafka consumer did not leave cleanly", { group: group.id, error }));
        }),
      );
      groups.clear();
      await producer.disconnect().catch(() => {});
      if (admin) await (await admin.catch(() => null))?.disconnect();
    },
  };
}
