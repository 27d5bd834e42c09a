import type { OutboxTable } from "./bus/outbox.ts";
import type { Cache } from "./cache/port.ts";
import type { Clock } from "./clock.ts";
import type { Database, Migrations } from "./db/port.ts";
import type { Logger } from "./log.ts";

/** The ports every service is built from; the shape (embedded or distributed) picks the adapters. */
export type ServicePorts = {
  db: Database;
  cache: Cache;
  clock: Clock;
  log: Logger;
  /** Tells the outbox relay that a transaction just committed events to this outbox. */
  eventsCommitted: (outbox: OutboxTable) => void;
};

/** How a service plugs into a host: its name (the URL segment and Postgres schema) and migrations. */
export type ServiceModule = { name: string; migrations: Migrations };

export const migrationsOf = (name: string, dir: string): ServiceModule => ({
  name,
  migrations: { schema: name, folder: `${dir}/db/migrations` },
});
