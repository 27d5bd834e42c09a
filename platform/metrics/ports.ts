import { type OutboxTable, outboxBacklog, outboxName } from "../bus/outbox.ts";
import type { Bus, PoisonHandler } from "../bus/port.ts";
import type { Database } from "../db/port.ts";
import { type Metrics, sharedRead } from "./registry.ts";
import { readForMetrics } from "./sql.ts";

/**
 * The platform's series, read from the ports when scraped: database pools (or PGlite's queue), how
 * far each consumer group is behind, and each outbox's backlog. Returns `deadLettered`, which counts
 * the events a consumer gave up on; wrap each consumer's poison handler with it.
 * @example const { deadLettered } = measurePorts(metrics, { db, bus, outboxes });
 *          await bus.subscribe("order", handle, { onPoison: deadLettered("order", logPoison) });
 */
export function measurePorts(
  metrics: Metrics,
  { db, bus, outboxes }: { db: Database; bus: Bus; outboxes: readonly OutboxTable[] },
) {
  const pools = (field: "open" | "idle" | "max" | "waiting") => async () =>
    db.usage().pools.map((p) => ({ labels: { pool: p.pool }, value: p[field] }));
  metrics.gauge({
    name: "fastr_db_pool_connections",
    help: "Database connections open in the pool (primary, replica)",
    labelNames: ["pool"],
    read: pools("open"),
  });
  metrics.gauge({
    name: "fastr_db_pool_idle_connections",
    help: "Open database connections no query is using",
    labelNames: ["pool"],
    read: pools("idle"),
  });
  metrics.gauge({
    name: "fastr_db_pool_max_connections",
    help: "The most connections the pool opens",
    labelNames: ["pool"],
    read: pools("max"),
  });
  metrics.gauge({
    name: "fastr_db_pool_waiting_requests",
    help: "Queries waiting for a free connection",
    labelNames: ["pool"],
    read: pools("waiting"),
  });
  metrics.gauge({
    name: "fastr_db_operations_in_flight",
    help: "Embedded database (PGlite, one statement at a time): queries and transactions queued or running",
    labelNames: [],
    read: async () => {
      const inFlight = db.usage().inFlight;
      return inFlight === undefined ? [] : [{ labels: {}, value: inFlight }];
    },
  });

  const lags = sharedRead(() => bus.lag());
  metrics.gauge({
    name: "fastr_event_consumer_lag",
    help: "Events published to the stream that the consumer group has not finished with (undelivered or unacknowledged)",
    labelNames: ["consumer", "stream"],
    read: async () =>
      (await lags()).flatMap(({ consumer, stream, lag }) =>
        lag === null ? [] : [{ labels: { consumer, stream }, value: lag }],
      ),
  });
  metrics.gauge({
    name: "fastr_event_consumer_pending",
    help: "Events handed to the consumer group's handler and not yet acknowledged (not reported on Kafka)",
    labelNames: ["consumer", "stream"],
    read: async () =>
      (await lags()).flatMap(({ consumer, stream, pending }) =>
        pending === undefined ? [] : [{ labels: { consumer, stream }, value: pending }],
      ),
  });

  const backlogs = sharedRead(() =>
    readForMetrics(db, (ex) =>
      Promise.all(outboxes.map(async (t) => ({ outbox: outboxName(t), ...(await outboxBacklog(ex, t)) }))),
    ),
  );
  metrics.gauge({
    name: "fastr_outbox_backlog",
    help: "Events committed to the outbox and not yet published to the bus",
    labelNames: ["outbox"],
    read: async () => (await backlogs()).map((b) => ({ labels: { outbox: b.outbox }, value: b.unpublished })),
  });
  metrics.gauge({
    name: "fastr_outbox_oldest_unpublished_seconds",
    help: "How long the oldest unpublished event of the outbox has waited (0 when none waits)",
    labelNames: ["outbox"],
    read: async () =>
      (await backlogs()).map((b) => ({ labels: { outbox: b.outbox }, value: b.oldestSeconds })),
  });

  const deadLetteredTotal = metrics.counter({
    name: "fastr_events_dead_lettered_total",
    help: "Events a consumer gave up on (retries spent, or delivered too often without an ack), by consumer",
    labelNames: ["consumer"],
  });
  return {
    /** `onPoison` of `consumer`, counting each event it is handed first. */
    deadLettered: (consumer: string, onPoison: PoisonHandler): PoisonHandler => {
      deadLetteredTotal.inc({ consumer }, 0);
      return (name, event, error) => {
        deadLetteredTotal.inc({ consumer: name });
        return onPoison(name, event, error);
      };
    },
  };
}
