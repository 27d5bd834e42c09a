import { z } from "zod";
import { kafkaBus } from "../../platform/bus/kafka.ts";
import type { Bus, PoisonHandler } from "../../platform/bus/port.ts";
import { redisStreamsBus } from "../../platform/bus/redis-streams.ts";
import { env } from "../../platform/config.ts";
import type { Logger } from "../../platform/log.ts";

const broker = z.string().regex(/^[^\s:,/]+:\d{1,5}$/, { message: "expected host:port" });

/** The event transport of a service instance, and what each transport needs (unchecked as a whole). */
export const busVariables = z.object({
  BUS: z
    .enum(["redis-streams", "kafka"], { message: "expected redis-streams or kafka" })
    .default("redis-streams"),
  /** BUS=kafka: the bootstrap brokers, `host:port,host:port`. */
  KAFKA_BROKERS: env.list(broker),
  /** BUS=kafka: how long the group waits for a silent member before its partitions move. */
  KAFKA_SESSION_TIMEOUT_MS: env.int(1_000, 300_000).default(30_000),
  /** BUS=redis-streams: how long a silent instance keeps a stream before another reclaims its entries. */
  REDIS_STREAMS_VISIBILITY_MS: env.int(300, 300_000).default(15_000),
});

/** `busVariables`, with the brokers required when BUS=kafka. */
export const busSettings = busVariables.superRefine((settings, context) => {
  if (settings.BUS === "kafka" && settings.KAFKA_BROKERS.length === 0)
    context.addIssue({
      code: "custom",
      path: ["KAFKA_BROKERS"],
      message: "expected the Kafka brokers (host:port, comma-separated) with BUS=kafka",
    });
});
export type BusSettings = z.infer<typeof busSettings>;

/**
 * The bus a service instance publishes and consumes on: Redis Streams (the default) or Kafka. Either way
 * the consumer group is the consuming service's name and this instance is one member of it.
 * @example const bus = openBus(config, { instance: "order-1", redisUrl, log, onPoison });
 */
export function openBus(
  settings: BusSettings,
  {
    instance,
    redisUrl,
    log,
    onPoison,
  }: { instance: string; redisUrl: string; log: Logger; onPoison: PoisonHandler },
): Bus {
  if (settings.BUS === "kafka") {
    return kafkaBus({
      brokers: settings.KAFKA_BROKERS,
      clientId: instance,
      log,
      onPoison,
      sessionTimeoutMs: settings.KAFKA_SESSION_TIMEOUT_MS,
      // kafkajs's own ratio (30 s / 3 s): a member misses several heartbeats before it is given up on.
      heartbeatIntervalMs: Math.floor(settings.KAFKA_SESSION_TIMEOUT_MS / 10),
    });
  }
  return redisStreamsBus({
    url: redisUrl,
    instance,
    onPoison,
    visibilityMs: settings.REDIS_STREAMS_VISIBILITY_MS,
  });
}
