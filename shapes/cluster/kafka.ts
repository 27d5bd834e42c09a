import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { kafkaTopics } from "../../platform/bus/kafka.ts";
import { clusterSessionTimeoutMs, startKafkaMock } from "./kafka-mock.ts";

/** The Kafka a cluster runs on: the brokers it was given, or the mock peer it started. */
export type ClusterKafka = {
  brokers: string[];
  /** The mock's PID; null for brokers the cluster does not own. */
  pid: number | null;
  /** Environment every instance gets on top of `BUS=kafka`. */
  env: Record<string, string>;
  stop(): Promise<void>;
};

/**
 * Kafka for `bun run cluster --bus kafka`. With `brokers` (KAFKA_BROKERS), creates the bus's topics there
 * when missing, with the broker's default partitions and replication; never exercised against a real
 * broker. Without, starts librdkafka's mock cluster under `dir` with the topics made at start-up (it
 * has no CreateTopics API) and a session timeout that fits it.
 * @example const kafka = await startClusterKafka({ dir }); … await kafka.stop();
 */
export async function startClusterKafka({
  dir,
  brokers,
}: {
  dir: string;
  brokers?: readonly string[];
}): Promise<ClusterKafka> {
  const topics = kafkaTopics();
  if (brokers?.length) {
    const admin = new Kafka({
      clientId: "fastr-cluster",
      brokers: [...brokers],
      logLevel: logLevel.ERROR,
    }).admin();
    await admin.connect();
    try {
      await admin.createTopics({ topics: topics.map((topic) => ({ topic })), waitForLeaders: true });
    } finally {
      await admin.disconnect();
    }
    return {
      brokers: [...brokers],
      pid: null,
      env: { KAFKA_BROKERS: brokers.join(",") },
      stop: async () => {},
    };
  }
  const mock = await startKafkaMock({
    dir: join(dir, "kafka"),
    logFile: join(dir, "logs", "kafka-mock.log"),
    topics,
  });
  return {
    brokers: mock.brokers,
    pid: mock.pid,
    env: {
      KAFKA_BROKERS: mock.brokers.join(","),
      KAFKA_SESSION_TIMEOUT_MS: String(clusterSessionTimeoutMs),
    },
    stop: () => mock.stop("SIGTERM", 5_000),
  };
}
