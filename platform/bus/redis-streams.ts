import { hostname } from "node:os";
import Redis from "ioredis";
import { EventEnvelope } from "../../contracts/events.ts";
import { watchRedis } from "../metrics/redis.ts";
import { aggregateOf, aggregateTypes } from "./aggregates.ts";
import type { Bus, EventHandler, PoisonHandler, RetryPolicy } from "./port.ts";
import { backoff, defaultRetry } from "./port.ts";

export type RedisStreamsOptions = {
  url: string;
  /** Names every key and stream: `<prefix>.order`, `<prefix>.dead-letter`. */
  prefix?: string;
  /** This process's consumer name in every group; unique per process. */
  instance?: string;
  /** Attempts in this process before an event is dead-lettered. */
  retry?: RetryPolicy;
  /**
   * How long a stream stays with a consumer that stopped renewing its lease (crashed, hung): then
   * another instance takes the stream over and reclaims its unacknowledged entries (XAUTOCLAIM).
   */
  visibilityMs?: number;
  /** Deliveries, across crashes, after which an entry is dead-lettered without another try. */
  maxDeliveries?: number;
  /** Approximate cap on each stream's length (XADD MAXLEN ~); the outbox keeps the full history. */
  maxStreamLength?: number;
  onPoison?: PoisonHandler;
};

type Entry = [id: string, fields: string[] | null];

/** An XINFO reply (name, value, name, value, …) as a map. */
const fieldsOf = (reply: unknown[]) => {
  const fields = new Map<string, unknown>();
  for (let i = 0; i + 1 < reply.length; i += 2) fields.set(String(reply[i]), reply[i + 1]);
  return fields;
};
type Group = { name: string; handler: EventHandler; onPoison: PoisonHandler; loop: Promise<void> };

/** Renews a lease only if this instance still holds it. */
const RENEW = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('PEXPIRE', KEYS[1], ARGV[2]) end return 0`;
/** Releases a lease only if this instance still holds it. */
const RELEASE = `if redis.call('GET', KEYS[1]) == ARGV[1] then return redis.call('DEL', KEYS[1]) end return 0`;

type LeaseCommands = Redis & {
  fastrRenew(key: string, me: string, ttlMs: number): Promise<number>;
  fastrRelease(key: string, me: string): Promise<number>;
};

/**
 * The distributed shape's bus over Redis Streams: a stream per aggregate type, a consumer group per
 * consuming service, XACK only after the handler (and so its inbox transaction) succeeded.
 *
 * Order per aggregate holds across instances because one instance at a time works a (group, stream)
 * pair: it holds a lease (SET NX PX) it renews while alive. When an instance dies, its lease runs out
 * after `visibilityMs`, another instance takes the stream and first reclaims (XAUTOCLAIM) what the dead
 * one had read but not acknowledged, in stream order. An entry that keeps failing, or that was
 * delivered `maxDeliveries` times without an ack (it crashes its consumers), goes to the dead-letter
 * stream and to `onPoison`, and the stream moves on.
 * @example const bus = redisStreamsBus({ url: "redis://127.0.0.1:6379", onPoison });
 */
export function redisStreamsBus(options: RedisStreamsOptions): Bus {
  const prefix = options.prefix ?? "fastr";
  const me = options.instance ?? `${hostname()}-${process.pid}-${crypto.randomUUID().slice(0, 8)}`;
  const retry = options.retry ?? defaultRetry;
  const visibilityMs = options.visibilityMs ?? 15_000;
  const maxDeliveries = options.maxDeliveries ?? 5;
  const maxStreamLength = options.maxStreamLength ?? 1_000_000;
  const blockMs = Math.max(50, Math.min(1_000, Math.floor(visibilityMs / 3)));

  const streamOf = (type: string) => `${prefix}.${aggregateOf(type)}`;
  const streams = aggregateTypes.map(streamOf);
  const deadLetter = `${prefix}.dead-letter`;
  const leaseKey = (group: string, stream: string) => `${prefix}:lease:${group}:${stream}`;

  const redis = watchRedis(new Redis(options.url, { maxRetriesPerRequest: 2 }), "bus") as LeaseCommands;
  // Failures surface as rejected commands, which the loops handle; the event would only be noise.
  redis.on("error", () => {});
  redis.defineCommand("fastrRenew", { numberOfKeys: 1, lua: RENEW });
  redis.defineCommand("fastrRelease", { numberOfKeys: 1, lua: RELEASE });
  const readers: Redis[] = [];
  const groups = new Map<string, Group>();
  let closed = false;

  /** Leases this instance holds, per group; renewed and extended on a timer that outlives slow handlers. */
  const held = new Map<string, Set<string>>();
  /** Streams just taken over, whose unacknowledged entries must be reclaimed before reading on. */
  const takenOver = new Map<string, Set<string>>();

  async function tendLeases() {
    for (const group of groups.keys()) {
      const mine = held.get(group)!;
      for (const stream of streams) {
        const key = leaseKey(group, stream);
        if (mine.has(stream)) {
          if (!(await redis.fastrRenew(key, me, visibilityMs))) mine.delete(stream);
        } else if (await redis.set(key, me, "PX", visibilityMs, "NX")) {
          mine.add(stream);
          takenOver.get(group)!.add(stream);
        }
      }
    }
  }
  const leaseTimer = setInterval(
    () => tendLeases().catch(() => {}),
    Math.max(20, Math.floor(visibilityMs / 3)),
  );

  const decode = (fields: string[] | null): EventEnvelope | null => {
    const raw = fields?.[fields.indexOf("event") + 1];
    if (!fields || !raw) return null;
    try {
      const parsed = EventEnvelope.safeParse(JSON.parse(raw));
      return parsed.success ? parsed.data : null;
    } catch {
      return null;
    }
  };

  async function bury(group: Group, stream: string, id: string, event: EventEnvelope | null, error: unknown) {
    await redis.xadd(
      deadLetter,
      "MAXLEN",
      "~",
      maxStreamLength,
      "*",
      "group",
      group.name,
      "stream",
      stream,
      "entry",
      id,
      "error",
      String(error),
      "event",
      event ? JSON.stringify(event) : "",
    );
    if (event) await Promise.resolve(group.onPoison(group.name, event, error)).catch(() => {});
    await redis.xack(stream, group.name, id);
  }

  /** Handles one entry: ack on success, dead-letter when retries are spent; leaves it pending on close. */
  async function deliver(group: Group, stream: string, [id, fields]: Entry, deliveries: number) {
    const event = decode(fields);
    if (!event) return bury(group, stream, id, null, new Error("not an event envelope"));
    if (deliveries > maxDeliveries) {
      return bury(group, stream, id, event, new Error(`delivered ${deliveries - 1} times without an ack`));
    }
    for (let attempt = 1; ; attempt++) {
      try {
        await group.handler(event);
        await redis.xack(stream, group.name, id);
        return;
      } catch (error) {
        if (closed) return; // unacknowledged: whoever holds the stream next retries it
        if (attempt >= retry.attempts) return bury(group, stream, id, event, error);
        await Bun.sleep(backoff(attempt, retry));
      }
    }
  }

  /** Takes over what earlier holders of the stream read and never acknowledged, oldest first. */
  async function reclaim(group: Group, stream: string) {
    for (let cursor = "0-0"; !closed; ) {
      const [next, entries] = (await redis.xautoclaim(stream, group.name, me, 0, cursor, "COUNT", 100)) as [
        string,
        Entry[],
      ];
      if (entries.length) {
        const counts = new Map(
          (
            (await redis.xpending(
              stream,
              group.name,
              entries[0]![0],
              entries.at(-1)![0],
              entries.length,
              me,
            )) as [string, string, number, number][]
          ).map(([id, , , times]) => [id, times]),
        );
        for (const entry of entries) {
          if (closed) return;
          await deliver(group, stream, entry, counts.get(entry[0]) ?? 1);
        }
      }
      if (next === "0-0") break;
      cursor = next;
    }
  }

  async function consume(group: Group, reader: Redis) {
    const mine = held.get(group.name)!;
    const fresh = takenOver.get(group.name)!;
    while (!closed) {
      try {
        for (const stream of [...fresh]) {
          fresh.delete(stream);
          await reclaim(group, stream);
        }
        const reading = [...mine];
        if (reading.length === 0) {
          await Bun.sleep(blockMs);
          continue;
        }
        const batches = (await reader.xreadgroup(
          "GROUP",
          group.name,
          me,
          "COUNT",
          100,
          "BLOCK",
          blockMs,
          "STREAMS",
          ...reading,
          ...reading.map(() => ">"),
        )) as [string, Entry[]][] | null;
        for (const [stream, entries] of batches ?? []) {
          for (const entry of entries) {
            if (closed) break;
            await deliver(group, stream, entry, 1);
          }
        }
      } catch (error) {
        if (closed) break;
        // Redis away or a lost lease: wait, and let the lease timer sort out who reads what.
        void error;
        await Bun.sleep(blockMs);
      }
    }
  }

  const ensureGroup = async (stream: string, group: string) => {
    try {
      await redis.xgroup("CREATE", stream, group, "0", "MKSTREAM");
    } catch (error) {
      if (!String(error).includes("BUSYGROUP")) throw error;
    }
  };

  return {
    kind: "redis-streams",

    async publish(events) {
      if (closed) throw new Error("bus is closed");
      if (events.length === 0) return;
      const pipeline = redis.pipeline();
      for (const e of events) {
        pipeline.xadd(streamOf(e.type), "MAXLEN", "~", maxStreamLength, "*", "event", JSON.stringify(e));
      }
      for (const [error] of (await pipeline.exec()) ?? []) if (error) throw error;
    },

    async subscribe(name, handler, subscribeOptions) {
      if (groups.has(name)) throw new Error(`consumer ${name} is already subscribed`);
      for (const stream of streams) await ensureGroup(stream, name);
      const reader = watchRedis(redis.duplicate(), "bus");
      reader.on("error", () => {});
      readers.push(reader);
      const group: Group = {
        name,
        handler,
        onPoison: subscribeOptions?.onPoison ?? options.onPoison ?? (() => {}),
        loop: Promise.resolve(),
      };
      groups.set(name, group);
      held.set(name, new Set());
      takenOver.set(name, new Set());
      await tendLeases();
      group.loop = consume(group, reader);
    },

    async drain() {
      for (;;) {
        let busy = false;
        for (const stream of streams) {
          const [info, groupInfos] = await Promise.all([
            redis.xinfo("STREAM", stream) as Promise<unknown[]>,
            redis.xinfo("GROUPS", stream) as Promise<unknown[][]>,
          ]);
          const last = info[info.indexOf("last-generated-id") + 1];
          for (const fields of groupInfos) {
            const field = (name: string) => fields[fields.indexOf(name) + 1];
            if (!groups.has(String(field("name")))) continue;
            if (Number(field("pending")) > 0 || field("last-delivered-id") !== last) busy = true;
          }
        }
        if (!busy) return;
        await Bun.sleep(10);
      }
    },

    async lag() {
      const pipeline = redis.pipeline();
      for (const stream of streams) pipeline.xinfo("GROUPS", stream);
      const replies = (await pipeline.exec()) ?? [];
      return replies.flatMap(([error, groupInfos], i) => {
        if (error) throw error;
        return (groupInfos as unknown[][]).map(fieldsOf).flatMap((group) => {
          const consumer = String(group.get("name"));
          if (!groups.has(consumer)) return [];
          const pending = Number(group.get("pending"));
          // `lag` counts entries not yet delivered to the group; Redis answers nil when it cannot tell.
          const undelivered = group.get("lag");
          const lag =
            undelivered === null || undelivered === undefined ? null : Number(undelivered) + pending;
          return [{ consumer, stream: streams[i]!, lag, pending }];
        });
      });
    },

    async close() {
      if (closed) return;
      closed = true;
      clearInterval(leaseTimer);
      for (const reader of readers) reader.disconnect();
      await Promise.all([...groups.values()].map((g) => g.loop));
      // Hand the streams over now rather than after the lease runs out.
      for (const [group, streamsHeld] of held) {
        for (const stream of streamsHeld)
          await redis.fastrRelease(leaseKey(group, stream), me).catch(() => {});
      }
      groups.clear();
      await redis.quit().catch(() => redis.disconnect());
    },
  };
}
