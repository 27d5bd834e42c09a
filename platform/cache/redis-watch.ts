import Redis from "ioredis";
import { coalesced } from "../coalesced.ts";
import { failUnanswered } from "../redis-unanswered.ts";
import type { Watched } from "./port.ts";

type Heard = { value: string | null; stamp: number };

export type RedisWatchOptions = {
  /** The cache's key prefix; announcements go out on `<prefix>watch:<key>`. */
  prefix: string;
  /** How often the subscription is confirmed with a PING while idle. */
  heartbeatMs?: number;
  /** How long after its last confirmation the subscription is still trusted (bounds a silent outage). */
  trustMs?: number;
  /** Keys held at most (the oldest heard is forgotten first: it is simply read again). */
  maxHeld?: number;
};

/**
 * Values held in this process, kept current by Redis pub/sub (`Cache.watch` for the Redis cache).
 * `publish` stores a key and announces it in one transaction; one subscriber connection per process
 * hears every announcement (a pattern subscription, made on first use). Messages on one connection
 * arrive in the order Redis ran the publishes, and a PING on it answers only after every message
 * published before it: that PING is the barrier behind `caughtUp` and the heartbeat.
 *
 * What is held is vouched for only while the subscription is confirmed: from the moment the
 * connection drops until it is subscribed again, and when no PING has been answered for `trustMs`
 * (a connection that died silently), `held` answers undefined and callers read Redis. Everything
 * heard before a drop is forgotten: announcements made meanwhile were lost.
 * @example const watch = redisWatch(commands, url, { prefix: "cache:" }); const generation = watch.watch("product:generation");
 */
export function redisWatch(
  commands: Redis,
  url: string,
  { prefix, heartbeatMs = 500, trustMs = 1_500, maxHeld = 10_000 }: RedisWatchOptions,
) {
  const channelPrefix = `${prefix}watch:`;
  const subscriber = failUnanswered(
    new Redis(url, {
      lazyConnect: true,
      autoResubscribe: false, // resubscribing is ours to do and to confirm
      enableOfflineQueue: false, // a barrier while disconnected fails at once
      maxRetriesPerRequest: 1,
      commandTimeout: 500,
      retryStrategy: (times) => Math.min(50 * times, 1_000),
    }),
  );
  subscriber.on("error", () => {});

  const held = new Map<string, Heard>();
  /** Orders messages against reads: a read started before the latest message about a key is older. */
  let stamp = 0;
  /** Changes on every drop and every confirmed subscription: a read spanning one cannot be held. */
  let epoch = 0;
  let subscribed = false;
  let trustedUntil = 0;
  let started = false;
  let closed = false;
  let heartbeat: Timer | undefined;

  const remember = (key: string, heard: Heard) => {
    held.delete(key);
    held.set(key, heard);
    if (held.size > maxHeld) held.delete(held.keys().next().value as string);
  };
  const dropped = () => {
    subscribed = false;
    epoch++;
    held.clear();
  };
  const subscribe = async () => {
    try {
      await subscriber.psubscribe(`${channelPrefix}*`);
      subscribed = true;
      epoch++;
      trustedUntil = performance.now() + trustMs;
    } catch {
      // The heartbeat tries again.
    }
  };
  subscriber.on("pmessage", (_pattern: string, channel: string, value: string) => {
    remember(channel.slice(channelPrefix.length), { value, stamp: ++stamp });
  });
  subscriber.on("ready", () => void subscribe());
  subscriber.on("close", dropped);
  subscriber.on("end", dropped);

  const confirm = coalesced(async () => {
    const at = { epoch, sentAt: performance.now() };
    if (!subscribed) throw new Error("not subscribed to cache announcements");
    try {
      await subscriber.ping();
    } catch (error) {
      // Up but not answering: start over rather than trust what it may have missed.
      if (subscriber.status === "ready") subscriber.disconnect(true);
      throw error;
    }
    if (!subscribed || epoch !== at.epoch) throw new Error("cache announcements were interrupted");
    trustedUntil = Math.max(trustedUntil, at.sentAt + trustMs);
    return 0;
  });

  const start = () => {
    if (started || closed) return;
    started = true;
    subscriber.connect().catch(() => {}); // retried by retryStrategy
    heartbeat = setInterval(() => {
      if (subscriber.status === "ready" && !subscribed) void subscribe();
      else confirm().catch(() => {});
    }, heartbeatMs);
    heartbeat.unref();
  };
  const trusted = () => subscribed && performance.now() < trustedUntil;

  return {
    watch(key: string): Watched {
      start();
      return {
        held: () => (trusted() ? held.get(key)?.value : undefined),
        async read() {
          const at = { stamp, epoch, subscribed };
          const value = await commands.get(key);
          try {
            await confirm(); // every message published before the GET has now been heard
          } catch {
            return value;
          }
          const latest = held.get(key);
          if (at.subscribed && epoch === at.epoch && (!latest || latest.stamp <= at.stamp))
            remember(key, { value, stamp: at.stamp });
          return value;
        },
        async publish(value) {
          const results = await commands
            .multi()
            .set(key, value)
            .publish(channelPrefix + key, value)
            .exec();
          const failed = results?.find(([error]) => error)?.[0];
          if (failed) throw failed;
          await confirm().catch(() => {}); // this process holds it now, or holds nothing
        },
      };
    },
    async caughtUp() {
      start();
      await confirm();
    },
    close() {
      closed = true;
      clearInterval(heartbeat);
      subscriber.disconnect();
    },
  };
}
