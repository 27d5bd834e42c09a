import { existsSync, mkdirSync, renameSync, statSync } from "node:fs";
import { join } from "node:path";
import { Kafka, logLevel } from "kafkajs";
import type { KafkaBusOptions } from "../../platform/bus/kafka.ts";
import { findBinary } from "./binaries.ts";

const source = join(import.meta.dir, "kafka-mock", "mock.c");
const header = "/usr/include/librdkafka/rdkafka_mock.h";
const cacheDir = join(import.meta.dir, "..", "..", "node_modules", ".cache", "fastr");
const binary = join(cacheDir, "kafka-mock");

/** Consumer-group timing for a bus against the peer (spread into `kafkaBus` options). */
export type PeerTiming = Pick<
  KafkaBusOptions,
  "sessionTimeoutMs" | "heartbeatIntervalMs" | "rebalanceTimeoutMs" | "maxWaitMs" | "clientRetry"
>;

/** A Kafka-protocol peer: librdkafka's mock cluster started for this run, or the broker in KAFKA_BROKERS. */
export type KafkaPeer = {
  brokers: string[];
  kind: "mock" | "broker";
  timing: PeerTiming;
  pid: number | null;
  stop(): Promise<void>;
};

const compiler = () => findBinary("cc", ["/usr/bin/cc", "/usr/bin/gcc"]);

/**
 * What a suite needs for a Kafka peer, for `describeWith`: a C compiler and librdkafka's mock header
 * (Debian `gcc`, `librdkafka-dev`). Nothing when KAFKA_BROKERS names a real broker.
 */
export function kafkaRequirements(): Record<string, string | null> {
  if (process.env.KAFKA_BROKERS) return {};
  return {
    cc: compiler(),
    "librdkafka-dev": existsSync(header) ? header : null,
  };
}

/**
 * The mock (librdkafka 2.0.2) holds a new group's first join for 3 s, and members waiting for it send no
 * heartbeats, so the session must outlast it; later rebalances wait `sessionTimeoutMs - 1000`.
 */
const mockTiming: PeerTiming = {
  sessionTimeoutMs: 3_500,
  heartbeatIntervalMs: 300,
  rebalanceTimeoutMs: 3_500,
  maxWaitMs: 100,
  clientRetry: { initialRetryTime: 50, retries: 8 },
};
/** A real broker refuses sessions under `group.min.session.timeout.ms` (6 s by default). */
const brokerTiming: PeerTiming = {
  ...mockTiming,
  sessionTimeoutMs: 10_000,
  heartbeatIntervalMs: 1_000,
  rebalanceTimeoutMs: 10_000,
};

/** Compiles `kafka-mock/mock.c` into node_modules/.cache when the binary is missing or older than it. */
async function buildMock(): Promise<string> {
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  mkdirSync(cacheDir, { recursive: true });
  const partial = `${binary}.${process.pid}`;
  const cc = Bun.spawn([compiler() ?? "cc", "-O2", "-Wall", "-pthread", "-o", partial, source, "-lrdkafka"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, errors] = await Promise.all([cc.exited, new Response(cc.stderr).text()]);
  if (code !== 0) throw new Error(`compiling ${source} failed (needs gcc and librdkafka-dev):\n${errors}`);
  // Atomic, so a concurrent test file never runs a half-written binary.
  renameSync(partial, binary);
  return binary;
}

/**
 * Starts librdkafka's mock cluster on 127.0.0.1 with `topics` created (the mock has no CreateTopics
 * API), and reads its bootstrap address. It exits when `stop()` signals its PID, and on its own when
 * this process goes away (its stdin closes).
 * @example const peer = await startKafkaMock({ topics: kafkaTopics("t1") }); afterAll(() => peer.stop());
 */
export async function startKafkaMock({
  topics,
  partitions = 3,
  brokers = 3,
}: {
  topics: readonly string[];
  partitions?: number;
  brokers?: number;
}): Promise<KafkaPeer> {
  const proc = Bun.spawn(
    [await buildMock(), "--brokers", String(brokers), "--partitions", String(partitions), ...topics],
    { stdin: "pipe", stdout: "pipe", stderr: "pipe" },
  );
  const killOnExit = () => proc.kill("SIGKILL");
  process.once("exit", killOnExit);
  const stop = async () => {
    process.off("exit", killOnExit);
    if (proc.exitCode !== null || proc.signalCode !== null) return;
    proc.kill("SIGTERM");
    if (!(await Promise.race([proc.exited.then(() => true), Bun.sleep(5_000).then(() => false)]))) {
      proc.kill("SIGKILL");
      await proc.exited;
    }
  };

  const errors = new Response(proc.stderr).text();
  const lines = proc.stdout.pipeThrough(new TextDecoderStream()).getReader();
  let out = "";
  const deadline = setTimeout(() => proc.kill("SIGKILL"), 10_000);
  try {
    while (!out.includes("\n")) {
      const { value, done } = await lines.read();
      if (done) {
        throw new Error(`kafka-mock exited before printing its address:\n${(await errors).trim()}`);
      }
      out += value;
    }
  } catch (error) {
    await stop();
    throw error;
  } finally {
    clearTimeout(deadline);
    lines.releaseLock();
  }
  return { brokers: out.trim().split(","), kind: "mock", timing: mockTiming, pid: proc.pid, stop };
}

/**
 * The peer for a suite: the broker in KAFKA_BROKERS (comma-separated), with `topics` created through
 * the admin API and deleted by `stop()`; otherwise librdkafka's mock cluster.
 * Never exercised here against a real broker: none can run on the build machines.
 */
export async function startKafka(topics: readonly string[]): Promise<KafkaPeer> {
  const real = process.env.KAFKA_BROKERS;
  if (!real) return startKafkaMock({ topics });
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
    async stop() {
      await admin.deleteTopics({ topics: [...topics] }).catch(() => {});
      await admin.disconnect();
    },
  };
}
