import { sql } from "drizzle-orm";
import { type PgSchema, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { EventEnvelope } from "../../contracts/events.ts";
import { deleteOlderThan } from "../db/older-than.ts";
import type { Database, Tx } from "../db/port.ts";

/** The inbox table a consuming service declares in its own schema. */
export const inboxTable = (schema: PgSchema) =>
  schema.table(
    "inbox",
    {
      consumer: text().notNull(),
      eventId: uuid("event_id").notNull(),
      handledAt: timestamp("handled_at", { withTimezone: true }).notNull().defaultNow(),
    },
    (t) => [primaryKey({ columns: [t.consumer, t.eventId] })],
  );
export type InboxTable = ReturnType<typeof inboxTable>;

/**
 * Runs `effect` at most once per (consumer, event id): the inbox row and the effect commit together,
 * so a redelivered event finds its row and does nothing. Returns whether the effect ran.
 */
export async function handleOnce(
  db: Database,
  table: InboxTable,
  consumer: string,
  event: EventEnvelope,
  effect: (tx: Tx) => Promise<void>,
): Promise<boolean> {
  return db.primary.transaction(async (tx) => {
    const claimed = await tx
      .insert(table)
      .values({ consumer, eventId: event.id, handledAt: sql`now()` })
      .onConflictDoNothing()
      .returning({ eventId: table.eventId });
    if (claimed.length === 0) return false;
    await effect(tx);
    return true;
  });
}

/**
 * Forgets events handled longer ago than `olderThanMs` (by database time). Choose a window longer
 * than any redelivery can lag: an event redelivered after it would be handled again.
 */
export const pruneInbox = (db: Database, table: InboxTable, olderThanMs: number): Promise<number> =>
  deleteOlderThan(db, table, table.handledAt, olderThanMs);
