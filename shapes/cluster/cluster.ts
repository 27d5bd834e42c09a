import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join, resolve } from "node:path";
import { DIST_DIR, ensureStorefrontBuild } from "../../clients/web/build.ts";
import { type ServiceName, serviceNames } from "../../platform/module.ts";
import { modules } from "../modules.ts";
import { locate, requirePrograms } from "./binaries.ts";
import { type Child, freePort, readyOrDied, spawnChild, waitFor } from "./child.ts";
import { type ClusterKafka, startClusterKafka } from "./kafka.ts";
import { startNginx } from "./nginx.ts";
import { startPostgres } from "./postgres.ts";
import { startPrometheus } from "./prometheus.ts";
import { startRedis } from "./redis.ts";
import { calleesOf } from "./run-service.ts";

const root = resolve(import.meta.dir, "../..");
const moduleOf = (name: ServiceName) => modules.find((m) => m.name === name)!;

export type ClusterOptions = {
  /** Everything the cluster keeps: data, logs, rendered configs (FASTR_CLUSTER_DIR). */
  dir: string;
  /** NGINX's public port. */
  port: number;
  instancesPerService?: number;
  /** Processes of the services named here, where they differ from `instancesPerService`. */
  instances?: Partial<Record<ServiceName, number>>;
  /** fsync and synchronous commit on (the default); tests turn them off. */
  durable?: boolean;
  /** Start Prometheus scraping every instance (default: when Debian's `prometheus` is installed). */
  prometheus?: boolean;
  /** Extra environment for every instance (e.g. SMTP_URL, short leases in tests). */
  env?: Record<string, string>;
  /** The event transport (BUS); redis-streams by default. */
  bus?: "redis-streams" | "kafka";
  /** With `bus: "kafka"`: real brokers (KAFKA_BROKERS); without, the cluster starts librdkafka's mock. */
  kafkaBrokers?: readonly string[];
  /** Progress lines while starting. */
  say?: (line: string) => void;
};

export type Instance = Child & { service: ServiceName; index: number; port: number; url: string };

/** The secret services sign their calls to each other with: made once, kept with the data. */
function internalSecret(dir: string) {
  const file = join(dir, "internal-secret");
  if (!existsSync(file)) writeFileSync(file, crypto.randomUUID() + crypto.randomUUID(), { mode: 0o600 });
  return readFileSync(file, "utf8").trim();
}

/**
 * The distributed shape on one machine, from system binaries, on loopback: Postgres primary and
 * streaming replica (each instance connects to them itself, with its statements kept prepared: ADR
 * 181), Redis, every service as `instancesPerService` processes, NGINX in
 * front, and Prometheus scraping every instance when it is installed; with `bus: "kafka"`, the events
 * go through Kafka (the given brokers, or a mock peer it starts). Resolves once every instance is
 * ready, NGINX answers and Prometheus is ready.
 * @example const cluster = await startCluster({ dir: ".fastr/cluster", port: 8080 }); ... await cluster.stop();
 */
export async function startCluster(options: ClusterOptions) {
  const say = options.say ?? (() => {});
  const started = performance.now();
  const elapsed = () => `${((performance.now() - started) / 1000).toFixed(1)} s`;
  requirePrograms("postgres", "initdb", "pg_basebackup", "redis-server", "nginx");
  const dir = resolve(options.dir);
  mkdirSync(join(dir, "logs"), { recursive: true });
  const perService = options.instancesPerService ?? 2;
  const stoppers: (() => Promise<void>)[] = [];
  const stopAll = async () => {
    for (const stop of stoppers.splice(0).reverse()) await stop().catch(() => {});
  };

  try {
    say("starting PostgreSQL (primary and streaming replica)…");
    const postgres = await startPostgres({
      dir: join(dir, "postgres"),
      replica: true,
      durable: options.durable ?? true,
    });
    stoppers.push(() => postgres.stop());
    say(`PostgreSQL is up (${elapsed()})`);

    const redisDir = join(dir, "redis");
    let redis = await startRedis({ dir: redisDir, persistent: true });
    stoppers.push(() => redis.stop());
    say(`Redis is up (${elapsed()})`);

    const bus = options.bus ?? "redis-streams";
    let kafka: ClusterKafka | null = null;
    if (bus === "kafka") {
      kafka = await startClusterKafka({
        dir,
        ...(options.kafkaBrokers && { brokers: options.kafkaBrokers }),
      });
      stoppers.push(() => kafka!.stop());
      say(
        kafka.pid
          ? `Kafka: librdkafka's mock cluster at ${kafka.brokers.join(",")} (${elapsed()})`
          : `Kafka: the brokers at ${kafka.brokers.join(",")}, topics ready (${elapsed()})`,
      );
    }

    const migrate = Bun.spawn(["bun", join(root, "scripts/migrate.ts")], {
      cwd: root,
      env: { ...process.env, DATABASE_URL: postgres.primary.url(), LOG_LEVEL: "warn" },
      stdout: "pipe",
      stderr: "pipe",
    });
    if ((await migrate.exited) !== 0)
      throw new Error(`migrations failed:\n${await new Response(migrate.stderr).text()}`);
    say(`migrations applied (${elapsed()})`);

    const secret = internalSecret(dir);
    const ports = Object.fromEntries(
      serviceNames.map((name) => [
        name,
        Array.from({ length: options.instances?.[name] ?? perService }, () => freePort()),
      ]),
    ) as Record<ServiceName, number[]>;
    const urlsOf = (service: ServiceName) => ports[service].map((p) => `http://127.0.0.1:${p}`).join(",");

    const instances: Instance[] = [];
    const spawnInstance = (service: ServiceName, index: number, extraEnv: Record<string, string> = {}) => {
      const port = ports[service][index]!;
      const env: Record<string, string> = {
        PORT: String(port),
        HOST: "127.0.0.1",
        DATABASE_URL: postgres.primary.url(),
        DATABASE_REPLICA_URL: postgres.replica!.url(),
        DATABASE_PREPARED_STATEMENTS: "true",
        REDIS_URL: redis.url,
        BUS: bus,
        ...kafka?.env,
        INTERNAL_SECRET: secret,
        TRUST_PROXY: "1",
        INSTANCE: `${service}-${index + 1}`,
        // The other OTEL_* variables (endpoint, protocol, sampler) are inherited from this process;
        // a service name set there would give every instance the same one.
        OTEL_SERVICE_NAME: service,
        ...Object.fromEntries(
          calleesOf(moduleOf(service)).map((c) => [`${c.toUpperCase()}_URLS`, urlsOf(c)]),
        ),
        ...options.env,
        ...extraEnv,
      };
      const child = spawnChild(
        `${service}-${index + 1}`,
        ["bun", join(root, `services/${service}/main.ts`)],
        {
          cwd: root,
          env,
          logFile: join(dir, "logs", `${service}-${index + 1}.log`),
        },
      );
      const instance: Instance = { ...child, service, index, port, url: `http://127.0.0.1:${port}` };
      instances.push(instance);
      return instance;
    };
    say(`starting ${Object.values(ports).flat().length} service instances…`);
    const all = serviceNames.flatMap((service) => ports[service].map((_, i) => spawnInstance(service, i)));
    stoppers.push(async () => {
      await Promise.all(instances.map((i) => i.stop("SIGTERM", 15_000)));
    });
    await Promise.all(
      all.map((i) =>
        readyOrDied(
          i,
          waitFor(`${i.name} to be ready`, async () => (await fetch(`${i.url}/readyz`)).ok, 60_000),
        ),
      ),
    );
    say(`every instance is ready (${elapsed()})`);

    // NGINX serves the same storefront build `bun start` serves: built now when missing or stale.
    await ensureStorefrontBuild(DIST_DIR);
    const webRoot = DIST_DIR;
    const nginx = await startNginx({
      dir: join(dir, "nginx"),
      port: options.port,
      pools: Object.fromEntries(serviceNames.map((s) => [s, ports[s].map((p) => `127.0.0.1:${p}`)])),
      webRoot,
    });
    stoppers.push(() => nginx.stop());

    // Prometheus file_sd: one target group per instance, labelled with its service; rewritten when
    // an instance restarts (Prometheus re-reads it).
    const targetsFile = join(dir, "instances.json");
    const writeTargets = () =>
      writeFileSync(
        targetsFile,
        JSON.stringify(
          instances.map((i) => ({
            targets: [`127.0.0.1:${i.port}`],
            labels: { service: i.service, instance: i.name, pid: String(i.pid) },
          })),
          null,
          2,
        ),
      );
    writeTargets();

    const withPrometheus = options.prometheus ?? locate("prometheus") !== null;
    const prometheus = withPrometheus
      ? await startPrometheus({ dir: join(dir, "prometheus"), targetsFile })
      : null;
    if (prometheus) {
      stoppers.push(() => prometheus.stop());
      say(`Prometheus is up (${elapsed()})`);
    }

    const describeProcesses = () => ({
      instances: instances.map((i) => ({ service: i.service, name: i.name, pid: i.pid, url: i.url })),
      postgres: { primary: postgres.primary.pid, replica: postgres.replica?.pid ?? null },
      redis: redis.pid,
      ...(kafka?.pid && { kafkaMock: kafka.pid }),
      nginx: nginx.pid,
      prometheus: prometheus?.pid ?? null,
    });
    writeFileSync(join(dir, "processes.json"), JSON.stringify(describeProcesses(), null, 2));

    return {
      url: nginx.url,
      dir,
      startupMs: performance.now() - started,
      databaseUrl: postgres.primary.url(),
      get redisUrl() {
        return redis.url;
      },
      bus,
      /** The Kafka brokers the instances use (bus: "kafka"). */
      kafkaBrokers: kafka?.brokers ?? null,
      secret,
      instances,
      /** The instances in Prometheus file_sd format. */
      targetsFile,
      /** Prometheus's URL, or null when it is not installed (or not asked for). */
      prometheusUrl: prometheus?.url ?? null,
      postgres,
      /** Stops Redis (tests of running without it). */
      async stopRedis() {
        await redis.stop();
      },
      /** Starts Redis again on the same port, with the data it kept. */
      async startRedis() {
        redis = await startRedis({ dir: redisDir, persistent: true, port: redis.port });
      },
      /** Starts an instance again (on its old port) after it was killed, with `env` on top. */
      async restartInstance(instance: Instance, env: Record<string, string> = {}) {
        await instance.stop("SIGKILL", 1_000);
        const fresh = spawnInstance(instance.service, instance.index, env);
        instances.splice(instances.indexOf(instance), 1);
        writeTargets();
        await readyOrDied(
          fresh,
          waitFor(`${fresh.name} to be ready`, async () => (await fetch(`${fresh.url}/readyz`)).ok, 60_000),
        );
        return fresh;
      },
      stop: stopAll,
    };
  } catch (error) {
    await stopAll();
    throw error;
  }
}
export type Cluster = Awaited<ReturnType<typeof startCluster>>;
