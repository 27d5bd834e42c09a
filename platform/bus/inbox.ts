import { sql } from "drizzle-orm";
import { type PgSchema, primaryKey, text, timestamp, uuid } from "drizzle-orm/pg-core";
import type { EventEnvelope } from "../../contracts/events.ts";
import { builtOnceFor } from "../db/built-once.ts";
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
  const claim = claimIn(table);
  return db.primary.transaction(async (tx) => {
    if ((await claim(tx, { consumer, eventId: event.id })).length === 0) return false;
    await effect(tx);
    return true;
  });
}

/** Each inbox's claim, built once (ADR 178): every event every consumer handles runs it. */
const claims = new WeakMap<InboxTable, ReturnType<typeof builtOnceFor<{ claimed: number }>>>();
function claimIn(table: InboxTable) {
  let claim = claims.get(table);
  if (!claim) {
    claim = builtOnceFor<{ claimed: number }>(sql`
      insert into ${table} (consumer, event_id, handled_at)
      values (${sql.placeholder("consumer")}, ${sql.placeholder("eventId")}, now())
      on conflict do nothing
      returning 1 as claimed`);
    claims.set(table, claim);
  }
  return claim;
}

/**
 * Forgets events handled longer ago than `olderThanMs` (by database time). Choose a window longer
 * than any redelivery can lag: an event redelivered after it would be handled again.
 */
export const pruneInbox = (db: Database, table: InboxTable, olderThanMs: number): Promise<number> =>
  deleteOlderThan(db, table, table.handledAt, olderThanMs);
