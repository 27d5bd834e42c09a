import type { AnyRouter } from "@trpc/server";
import { pruneInbox } from "../platform/bus/inbox.ts";
import { outboxRelay, pruneOutbox } from "../platform/bus/outbox.ts";
import type { Bus } from "../platform/bus/port.ts";
import { withNearCopies } from "../platform/cache/near-copies.ts";
import type { Cache } from "../platform/cache/port.ts";
import { type Clock, DAY, HOUR } from "../platform/clock.ts";
import type { HostSettings } from "../platform/config.ts";
import type { Database } from "../platform/db/port.ts";
import { createHost } from "../platform/http/host.ts";
import { scheduleJobs } from "../platform/jobs.ts";
import type { Limits } from "../platform/limits/port.ts";
import type { Logger } from "../platform/log.ts";
import { measurePorts } from "../platform/metrics/ports.ts";
import { createMetrics } from "../platform/metrics/registry.ts";
import {
  type ServiceInstance,
  type ServiceModule,
  type ServiceName,
  serviceNames,
} from "../platform/module.ts";
import type { ServicePorts } from "../platform/service.ts";
import { serviceBoundary } from "../platform/telemetry/calls.ts";
import { tracedHandler } from "../platform/telemetry/events.ts";
import type { TelemetrySettings } from "../platform/telemetry/settings.ts";
import { startTracing } from "../platform/telemetry/tracing.ts";
import { createContextFactory, type Services } from "../routers/context.ts";

/** Published events are kept a week (debugging, replays); the inbox remembers handled events a month. */
const OUTBOX_RETENTION_MS = 7 * DAY;
const INBOX_RETENTION_MS = 30 * DAY;

export type ComposePorts = {
  db: Database;
  cache: Cache;
  limits: Limits;
  bus: Bus;
  clock: Clock;
  log: Logger;
};

/** How often the relay of a process that alone writes its database looks for events it was not told of. */
const SOLE_RELAY_POLL_MS = 5_000;

export type ComposeOptions = {
  /** Host and telemetry settings plus every variable the modules read. */
  config: HostSettings & TelemetrySettings & Record<string, unknown>;
  /** This process's name (`order-1`), for its spans' resource. */
  instance?: string;
  /** Services these modules call that run elsewhere (the cluster's remote adapters). */
  remote?: Partial<Record<ServiceName, unknown>>;
  /** Extra dependencies per module (test knobs: fault hooks, login limits, retry policies). */
  extras?: Partial<Record<ServiceName, Record<string, unknown>>>;
  /** True when no other process uses this database (the embedded shape): start-up may take over all work. */
  sole: boolean;
  /** Apply each module's migrations first (the cluster runs `bun run migrate` once instead). */
  migrate?: boolean;
  /** Run jobs on their intervals (off in tests, which run them by hand). */
  periodicJobs?: boolean;
  /** Run every periodic job this often instead of its own interval (tests of the schedule itself). */
  jobEveryMs?: number;
  ready?: () => Promise<void>;
};

/** A stand-in for a service this process neither hosts nor calls: a clear error if a router reaches for it. */
const notHere = (name: string) =>
  new Proxy(
    {},
    {
      get: (_t, method) => {
        if (method === "then") return undefined;
        throw new Error(`${name}.${String(method)} is not available in this process`);
      },
    },
  );

/**
 * Builds `modules` on the given ports and serves them from one Hono host: tracing (when an OTLP
 * endpoint is configured), migrations, each service created with its dependencies (local, or remote
 * when given), the outbox relay, event consumers, jobs (sweeps, recovery, housekeeping), extra
 * routes, and each public router at `/api/<name>/trpc`.
 * The embedded shape passes every module; a cluster instance passes one.
 * @example const shop = await composeServices(modules, ports, { config, sole: true }); await shop.start();
 */
export async function composeServices(
  modules: readonly ServiceModule[],
  ports: ComposePorts,
  options: ComposeOptions,
) {
  const { db, cache, limits, bus, clock, log } = ports;
  // First, so that every service is built with tracing already on (or off for good).
  const tracing = startTracing(options.config, {
    service: modules.length === 1 ? modules[0]!.name : "fastr",
    services: modules.map((m) => m.name),
    ...(options.instance && { instance: options.instance }),
    log,
  });
  if (options.migrate ?? true) for (const module of modules) await db.migrate(module.migrations);

  const outboxes = modules.flatMap((m) => m.outboxes);
  const inboxes = modules.flatMap((m) => m.inboxes);
  const relay = outboxRelay({
    db,
    bus,
    outboxes,
    // A sole process kicks the relay on each of its commits, so polling only retries a failed pass;
    // polling seven outboxes four times a second cost a tenth of a core on PGlite.
    ...(options.sole && { pollMs: SOLE_RELAY_POLL_MS }),
    onError: (error) => log.error("outbox relay failed", { error }),
  });
  const metrics = createMetrics({ log });
  const { deadLettered } = measurePorts(metrics, { db, bus, outboxes });
  const servicePorts = { db, cache, limits, clock, log, eventsCommitted: relay.kick, sole: options.sole };

  const instances = new Map<ServiceName, ServiceInstance<unknown>>();
  // With several services in one process, a call from one to another is a span of the callee's.
  const crossing = tracing.enabled && modules.length > 1;
  const apiOf = (name: ServiceName) => {
    const local = instances.get(name)?.api;
    if (local === undefined) return options.remote?.[name];
    return crossing ? serviceBoundary(name, local as object) : local;
  };
  for (const module of modules) {
    const deps: Record<string, unknown> = { ...options.extras?.[module.name] };
    for (const callee of module.calls) {
      const api = apiOf(callee);
      if (!api) throw new Error(`${module.name} calls ${callee}, which is neither hosted here nor reachable`);
      deps[callee] = api;
    }
    const ports: ServicePorts = { ...servicePorts, metrics: metrics.forService(module.name) };
    instances.set(module.name, await module.create(ports, deps, options.config));
  }

  const services = Object.fromEntries(
    serviceNames.map((name) => [name, apiOf(name) ?? notHere(name)]),
  ) as unknown as Services;

  const cached = [...instances.values()].find((i) => i.cachedQueries)?.cachedQueries;
  const config = options.config;
  const allowedOrigins = [...config.ALLOWED_ORIGINS, ...(config.PUBLIC_URL ? [config.PUBLIC_URL] : [])];
  const host = createHost({
    routers: Object.fromEntries(modules.map((m) => [m.name, m.router])) as Record<string, AnyRouter>,
    createContext: createContextFactory({ services, allowedOrigins }),
    log,
    maxBodyBytes: config.MAX_BODY_BYTES,
    maxBatchSize: config.MAX_BATCH_SIZE,
    trustProxy: config.TRUST_PROXY,
    corsOrigins: allowedOrigins,
    ...(db.currentLsn && { writePosition: () => db.currentLsn!() }),
    ready: options.ready ?? (async () => void (await Promise.all([db.ping(), cache.ping(), limits.ping()]))),
    // Stored answers are keyed by the catalog's generation: this process may keep copies.
    ...(cached && { responseCache: { cache: withNearCopies(cache), ...cached } }),
    metrics: metrics.procedures,
  });
  for (const instance of instances.values()) instance.mount?.(host.app);

  for (const [name, instance] of instances) {
    for (const { consumer, handle, onPoison } of instance.consumers ?? []) {
      const giveUp =
        onPoison ??
        ((name, event, error) =>
          log.error("event gave up", { consumer: name, eventId: event.id, type: event.type, error }));
      await bus.subscribe(consumer, tracedHandler(name, consumer, bus.kind, handle), {
        onPoison: deadLettered(consumer, giveUp),
      });
    }
  }

  /** Keeps the bookkeeping tables from growing forever. */
  const housekeeping = async () => {
    const pruned = { outbox: 0, inbox: 0 };
    for (const table of outboxes) pruned.outbox += await pruneOutbox(db, table, OUTBOX_RETENTION_MS);
    for (const table of inboxes) pruned.inbox += await pruneInbox(db, table, INBOX_RETENTION_MS);
    return pruned.outbox + pruned.inbox;
  };
  const jobs = [
    ...[...instances.values()].flatMap((i) => i.jobs ?? []),
    { name: "prune published events and handled inbox entries", everyMs: HOUR, run: housekeeping },
  ];
  let scheduled: Awaited<ReturnType<typeof scheduleJobs>> | undefined;

  return {
    host,
    app: host.app,
    /** This process's Prometheus registry; each shape decides who may read it at /metrics. */
    metrics,
    services,
    relay,
    jobs,
    tracing,
    /** Serves: background work starts, start-up jobs (sweeps, recovery) run once. */
    async start() {
      for (const instance of instances.values()) await instance.start?.();
      relay.start();
      const every = options.jobEveryMs;
      scheduled = await scheduleJobs(every ? jobs.map((job) => ({ ...job, everyMs: every })) : jobs, {
        sole: options.sole,
        periodic: options.periodicJobs ?? true,
        log,
      });
    },
    /** Publishes pending events, waits for consumers, and does background work that is due. */
    async settle() {
      await relay.flush();
      await bus.drain();
      for (const instance of instances.values()) await instance.flush?.();
    },
    /** Runs every job once, as on a tick or (`atStart`) as at start-up (tests). */
    runJobs: ({ atStart = false } = {}) =>
      Promise.all(
        jobs.map((job) => job.run({ atStart: atStart && job.atStart === true, sole: options.sole })),
      ),
    /** Stops background work and the bus; the caller owns (and closes) the database and cache. */
    async close() {
      scheduled?.stop();
      await relay.stop();
      for (const instance of instances.values()) await instance.stop?.();
      await bus.close();
      await tracing.shutdown();
    },
  };
}
export type ComposedServices = Awaited<ReturnType<typeof composeServices>>;
