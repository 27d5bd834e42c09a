import type { OutboxTable } from "./bus/outbox.ts";
import type { Cache } from "./cache/port.ts";
import type { Clock } from "./clock.ts";
import type { Database, Migrations } from "./db/port.ts";
import type { Limits } from "./limits/port.ts";
import type { Logger } from "./log.ts";
import type { ServiceMetrics } from "./metrics/registry.ts";

/**
 * The ports every service is built from; the shape (embedded or distributed) picks the adapters.
 * Each `services/<name>/index.ts` exports `create<Name>Service(ports, deps?, options?)`, which returns
 * `{ api, … }`: the API routers and other services call, beside the service's own work its module
 * wires (jobs, consumers, start and stop).
 */
export type ServicePorts = {
  db: Database;
  cache: Cache;
  /** Rate-limit and lockout counters: never the cache, whose eviction must not free a throttled caller. */
  limits: Limits;
  clock: Clock;
  log: Logger;
  /** Counters and scrape-time gauges, labelled with the service's name (served at /metrics). */
  metrics: ServiceMetrics;
  /** Tells the outbox relay that a transaction just committed events to this outbox. */
  eventsCommitted: (outbox: OutboxTable) => void;
  /**
   * Whether this process is the only one on its database (the embedded shape): what it holds in
   * memory of its own writes stays true until it writes again.
   */
  sole: boolean;
};

/**
 * A service's drizzle-kit migrations: they live in `<its folder>/db/migrations` and own the Postgres
 * schema named after it.
 * @example migrations: serviceMigrations("order", import.meta.dir)
 */
export const serviceMigrations = (name: string, dir: string): Migrations => ({
  schema: name,
  folder: `${dir}/db/migrations`,
});
