import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  jsonb,
  pgSchema,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import { inboxTable } from "../../../platform/bus/inbox.ts";

export const notificationSchema = pgSchema("notification");

export const EMAIL_STATUSES = ["pending", "sent", "stored", "dead"] as const;

/**
 * One row per email, created in the same transaction as the inbox row of the event that caused it;
 * the sender loop moves it from `pending` to `sent` (or `dead`). Without a mail transport it is
 * `stored` at once and only visible through `notification.list` and the dev mailbox.
 */
export const emails = notificationSchema.table(
  "emails",
  {
    id: uuid().primaryKey(),
    /** The event that caused this email: at most one email per event. */
    eventId: uuid("event_id").notNull().unique(),
    userId: uuid("user_id").notNull(),
    to: text().notNull(),
    subject: text().notNull(),
    text: text().notNull(),
    html: text().notNull(),
    /** The event type (`order.paid`, …). */
    kind: text().notNull(),
    status: text({ enum: EMAIL_STATUSES }).notNull().default("pending"),
    /** Send attempts so far, counted when an attempt starts (a crash mid-send counts too). */
    attempts: integer().notNull().default(0),
    /** When the sender may (re)try; while an attempt runs, the end of its lease. */
    nextAttemptAt: timestamp("next_attempt_at", { withTimezone: true }).notNull().defaultNow(),
    lastError: text("last_error"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    sentAt: timestamp("sent_at", { withTimezone: true }),
  },
  (t) => [
    index("emails_user_newest").on(t.userId, t.createdAt.desc(), t.id.desc()),
    index("emails_due").on(t.nextAttemptAt).where(sql`status = 'pending'`),
    check("emails_status", sql`${t.status} in ('pending', 'sent', 'stored', 'dead')`),
  ],
);

/**
 * What could not be handled: events the consumer kept failing on (invalid payloads), and emails
 * the sender gave up on (consumer `notification.sender`). Kept for an operator to inspect and replay.
 */
export const deadLetters = notificationSchema.table(
  "dead_letters",
  {
    id: uuid().primaryKey(),
    consumer: text().notNull(),
    /** Text, not uuid: a dead-letter store must accept even an envelope with a malformed id. */
    eventId: text("event_id").notNull(),
    /** `type@version`. */
    eventType: text("event_type").notNull(),
    payload: jsonb(),
    error: text().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  // A redelivered poison event is dead-lettered once.
  (t) => [uniqueIndex("dead_letters_consumer_event").on(t.consumer, t.eventId)],
);

export const inbox = inboxTable(notificationSchema);

/** The columns an e-mail is shown with (notification.list, the dev mailbox). */
export const emailColumns = {
  id: emails.id,
  to: emails.to,
  subject: emails.subject,
  text: emails.text,
  html: emails.html,
  kind: emails.kind,
  status: emails.status,
  createdAt: emails.createdAt,
};
