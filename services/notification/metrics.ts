import { count, eq } from "drizzle-orm";
import { readForMetrics } from "../../platform/metrics/sql.ts";
import type { ServicePorts } from "../../platform/service.ts";
import { deadLetters, emails } from "./db/schema.ts";

/**
 * The notification service's series, read from its tables when scraped: `fastr_dead_letters{consumer}`
 * (events it could not handle, and e-mails the sender gave up on under `notification.sender`), and
 * `fastr_emails_unsent` (e-mails waiting for their first or next attempt).
 */
export function notificationMetrics(
  { db, metrics }: Pick<ServicePorts, "db" | "metrics">,
  /** The consumers whose dead letters are reported even while there are none. */
  consumers: readonly string[],
) {
  metrics.gauge({
    name: "fastr_dead_letters",
    help: "Dead letters kept for an operator, by consumer (notification: events; notification.sender: e-mails given up on)",
    labelNames: ["consumer"],
    read: async () => {
      const rows = await readForMetrics(db, (ex) =>
        ex
          .select({ consumer: deadLetters.consumer, n: count() })
          .from(deadLetters)
          .groupBy(deadLetters.consumer),
      );
      // Every consumer is reported from the start, so the first dead letter is a change.
      const reported = new Set([...consumers, ...rows.map((r) => r.consumer)]);
      return [...reported].map((consumer) => ({
        labels: { consumer },
        value: rows.find((r) => r.consumer === consumer)?.n ?? 0,
      }));
    },
  });
  metrics.gauge({
    name: "fastr_emails_unsent",
    help: "E-mails waiting to be sent (first attempt or a retry); stored ones without SMTP are not counted",
    labelNames: [],
    read: async () => {
      const [row] = await readForMetrics(db, (ex) =>
        ex.select({ n: count() }).from(emails).where(eq(emails.status, "pending")),
      );
      return [{ labels: {}, value: row?.n ?? 0 }];
    },
  });
}
