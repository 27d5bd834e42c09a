import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import { locate } from "../../shapes/cluster/binaries.ts";
import { type GroupTiming, mockTiming, startKafkaMock } from "../../shapes/cluster/kafka-mock.ts";

/** Where the tests compile the mock (the cluster compiles its own copy into its directory). */
const buildDir = join(import.meta.dir, "..", "..", "node_modules", ".cache", "fastr");

/** Consumer-group timing for a bus against the peer (spread into `kafkaBus` options). */
export type PeerTiming = GroupTiming;

/** A Kafka-protocol peer: librdkafka's mock cluster started for this run, or the broker in KAFKA_BROKERS. */
export type KafkaPeer = {
  brokers: string[];
  kind: "mock" | "broker";
  timing: PeerTiming;
  pid: number | null;
  /** The mock only: the next request of API `apiKey` answers error `code` (null against a real broker). */
  injectError: ((apiKey: number, code: number) => Promise<void>) | null;
  stop(): Promise<void>;
};

/**
 * What a suite needs for a Kafka peer, for `describeWith`: a C compiler and librdkafka's mock header
 * (Debian `gcc`, `librdkafka-dev`). Nothing when KAFKA_BROKERS names a real broker.
 */
export function kafkaRequirements(): Record<string, string | null> {
  if (process.env.KAFKA_BROKERS) return {};
  return { cc: locate("cc"), "librdkafka-dev": locate("librdkafka-dev") };
}

/** A real broker refuses sessions under `group.min.session.timeout.ms` (6 s by default). */
const brokerTiming: PeerTiming = {
  ...mockTiming,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 10_000,
};

/**
 * The peer for a suite: the broker in KAFKA_BROKERS (comma-separated), with `topics` created through
 * the admin API and deleted by `stop()`; otherwise librdkafka's mock cluster (shapes/cluster/kafka-mock.ts).
 * Never exercised here against a real broker: none can run on the build machines.
 * @example const peer = await startKafka(kafkaTopics("t1")); afterAll(() => peer.stop());
 */
export async function startKafka(topics: readonly string[]): Promise<KafkaPeer> {
  const real = process.env.KAFKA_BROKERS;
  if (!real) {
    const logs = mkdtempSync(join(tmpdir(), "fastr-kafka-"));
    const mock = await startKafkaMock({ dir: buildDir, logFile: join(logs, "kafka-mock.log"), topics });
    return {
      brokers: mock.brokers,
      kind: "mock",
      timing: mockTiming,
      pid: mock.pid,
      injectError: (apiKey, code) => mock.injectError(apiKey, code),
      async stop() {
        await mock.stop("SIGTERM", 5_000);
        rmSync(logs, { recursive: true, force: true });
      },
    };
  }
  const brokers = real.split(",").map((b) => b.trim());
  const admin = new Kafka({ clientId: "fastr-test", brokers, logLevel: logLevel.ERROR }).admin();
  await admin.connect();
  await admin.createTopics({
    topics: topics.map((topic) => ({ topic, numPartitions: 3 })),
    waitForLeaders: true,
  });
  return {
    brokers,
    kind: "broker",
    timing: brokerTiming,
    pid: null,
    injectError: null,
    async stop() {
      await admin.deleteTopics({ topics: [...topics] }).catch(() => {});
      await admin.disconnect();
    },
  };
}
