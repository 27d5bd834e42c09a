import { existsSync, mkdirSync, readFileSync, renameSync, rmSync, statSync } from "node:fs";
import { join } from "node:path";
import type { KafkaBusOptions } from "../../platform/bus/kafka.ts";
import { requirePrograms } from "./binaries.ts";
import { type Child, readyOrDied, spawnChild, waitFor } from "./child.ts";

const source = join(import.meta.dir, "kafka-mock.c");

/** Consumer-group timing a bus needs against the mock (spread into `kafkaBus` options). */
export type GroupTiming = Pick<
  KafkaBusOptions,
  "sessionTimeoutMs" | "heartbeatIntervalMs" | "rebalanceTimeoutMs" | "maxWaitMs" | "clientRetry"
>;

/**
 * The mock (librdkafka 2.0.2) holds a new group's first join for 3 s, and members waiting for it send no
 * heartbeats, so the session must outlast that; later rebalances wait `sessionTimeoutMs - 1000`. These
 * are the tightest figures that hold on an idle machine (the bus tests); the cluster runs with a longer
 * session (`clusterSessionTimeoutMs`), since twenty processes share its cores.
 */
export const mockTiming: GroupTiming = {
  sessionTimeoutMs: 3_500,
  heartbeatIntervalMs: 300,
  rebalanceTimeoutMs: 3_500,
  maxWaitMs: 100,
  clientRetry: { initialRetryTime: 50, retries: 8 },
};

/** The session timeout the cluster's instances use against the mock: a dead consumer is noticed in ~6 s. */
export const clusterSessionTimeoutMs = 6_000;

/**
 * Compiles kafka-mock.c into `dir` when the binary is missing or older than the source; a missing
 * compiler or librdkafka-dev is named with its apt package.
 */
export async function buildKafkaMock(dir: string): Promise<string> {
  const binary = join(dir, "kafka-mock");
  if (existsSync(binary) && statSync(binary).mtimeMs >= statSync(source).mtimeMs) return binary;
  const { cc } = requirePrograms("cc", "librdkafka-dev");
  mkdirSync(dir, { recursive: true });
  const partial = `${binary}.${process.pid}`;
  const compile = Bun.spawn([cc, "-O2", "-Wall", "-pthread", "-o", partial, source, "-lrdkafka"], {
    stdout: "pipe",
    stderr: "pipe",
  });
  const [code, errors] = await Promise.all([compile.exited, new Response(compile.stderr).text()]);
  if (code !== 0) throw new Error(`compiling ${source} failed (needs gcc and librdkafka-dev):\n${errors}`);
  // Atomic, so a concurrent start never runs a half-written binary.
  renameSync(partial, binary);
  return binary;
}

export type KafkaMock = Child & {
  brokers: string[];
  /** Makes the next request of Kafka API `apiKey` (e.g. 14, SyncGroup) answer error `code`; resolves once armed. */
  injectError(apiKey: number, code: number): Promise<void>;
};

/** The bootstrap line the mock prints: `127.0.0.1:port,127.0.0.1:port,…`. */
const bootstrapLine = /^(?:127\.0\.0\.1:\d+,)*127\.0\.0\.1:\d+$/m;

/**
 * Starts librdkafka's mock cluster on 127.0.0.1 with `topics` created (the mock has no CreateTopics
 * API), compiled into `dir` (see `buildKafkaMock`). Resolves with its bootstrap brokers once it
 * serves. `stop()` signals its PID; it also exits on its own when this process goes away (its stdin
 * closes). It keeps nothing: every start is an empty Kafka with just these topics.
 * @example const mock = await startKafkaMock({ dir, logFile, topics: kafkaTopics() }); … await mock.stop();
 */
export async function startKafkaMock({
  dir,
  logFile,
  topics,
  partitions = 3,
  brokers = 3,
}: {
  dir: string;
  /** Where its output goes (emptied first: the address is read from it). */
  logFile: string;
  topics: readonly string[];
  partitions?: number;
  brokers?: number;
}): Promise<KafkaMock> {
  const binary = await buildKafkaMock(dir);
  rmSync(logFile, { force: true });
  const child = spawnChild(
    "kafka-mock",
    [binary, "--brokers", String(brokers), "--partitions", String(partitions), ...topics],
    { logFile, stdin: "pipe" },
  );
  let bootstrap = "";
  try {
    await readyOrDied(
      child,
      waitFor("the Kafka mock's bootstrap address", async () => {
        bootstrap = bootstrapLine.exec(readFileSync(logFile, "utf8"))?.[0] ?? "";
        return bootstrap !== "";
      }),
    );
  } catch (error) {
    await child.stop("SIGKILL");
    throw error;
  }
  return {
    ...child,
    brokers: bootstrap.split(","),
    async injectError(apiKey, code) {
      const armed = `injected ${apiKey} ${code}`;
      const count = () =>
        readFileSync(logFile, "utf8")
          .split("\n")
          .filter((l) => l === armed).length;
      const before = count();
      child.send!(`error ${apiKey} ${code}\n`);
      await waitFor(`the Kafka mock to arm error ${code} for API ${apiKey}`, async () => count() > before);
    },
  };
}
