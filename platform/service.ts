import type { OutboxTable } from "./bus/outbox.ts";
import type { Cache } from "./cache/port.ts";
import type { Clock } from "./clock.ts";
import type { Database, Migrations } from "./db/port.ts";
import type { Limits } from "./limits/port.ts";
import type { Logger } from "./log.ts";
import type { ServiceMetrics } from "./metrics/registry.ts";

/** The ports every service is built from; the shape (embedded or distributed) picks the adapters. */
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
};

/** How a service plugs into a host: its name (the URL segment and Postgres schema) and migrations. */
export type ServiceModule = { name: string; migrations: Migrations };

export const migrationsOf = (name: string, dir: string): ServiceModule => ({
  name,
  migrations: { schema: name, folder: `${dir}/db/migrations` },
});
