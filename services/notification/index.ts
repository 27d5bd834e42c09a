import { and, asc, desc, eq, inArray, lte, sql } from "drizzle-orm";
import { z } from "zod";
import { EmailAddress, Id } from "../../contracts/common.ts";
import { cursorCodec } from "../../contracts/cursor.ts";
import { DomainError } from "../../contracts/errors.ts";
import { type EventEnvelope, EventPayloads, type PayloadOf } from "../../contracts/events.ts";
import type { EmailMessage, ListEmailsInput, NotificationApi } from "../../contracts/notification.ts";
import { handleOnce } from "../../platform/bus/inbox.ts";
import type { PoisonHandler } from "../../platform/bus/port.ts";
import { coalesced } from "../../platform/coalesced.ts";
import { builtOnceFor } from "../../platform/db/built-once.ts";
import { fromNow } from "../../platform/db/older-than.ts";
import { newId } from "../../platform/ids.ts";
import { summarizeError } from "../../platform/log.ts";
import type { EventConsumer } from "../../platform/module.ts";
import { backoff, type RetryPolicy } from "../../platform/retry.ts";
import type { ServicePorts } from "../../platform/service.ts";
import { deadLetters, emailColumns, emails, inbox } from "./db/schema.ts";
import { notificationMetrics } from "./metrics.ts";
import { type EmailEvent, emailEventTypes, render, templates } from "./templates.ts";
import type { MailTransport } from "./transport.ts";

export { inbox as notificationInbox } from "./db/schema.ts";
export { mountMailbox } from "./mailbox-page.ts";
export { type MailTransport, smtpTransport } from "./transport.ts";

/** The bus consumer group that turns events into emails. */
export const CONSUMER = "notification";

/** Every e-mail an event causes is written by it: built once (ADR 178). */
const queueEmail = builtOnceFor(sql`
  insert into ${emails} (id, event_id, user_id, "to", subject, text, html, kind, status, created_at)
  values (${sql.placeholder("id")}, ${sql.placeholder("eventId")}, ${sql.placeholder("userId")}, ${sql.placeholder("to")},
    ${sql.placeholder("subject")}, ${sql.placeholder("text")}, ${sql.placeholder("html")}, ${sql.placeholder("kind")},
    ${sql.placeholder("status")}, ${sql.placeholder("createdAt")}::timestamptz)`);

/** The `consumer` of dead letters written for emails the sender gave up on. */
export const SENDER = "notification.sender";

/** Eight attempts over roughly an hour and a half: rides out an SMTP server restart or a short outage. */
export const defaultSendRetry: RetryPolicy = { attempts: 8, baseDelayMs: 30_000, maxDelayMs: 30 * 60_000 };

export type NotificationDeps = {
  /** null: nothing is sent, emails are `stored` (the embedded shape without SMTP_URL). */
  transport: MailTransport | null;
  /** The From header, e.g. `fastr shop <shop@fastr.localhost>`; its domain also names Message-IDs. */
  from: string;
  retry?: RetryPolicy;
  /** How often the sender looks for due retries; new emails are sent at once regardless. */
  pollMs?: number;
  /** Emails claimed per round trip. */
  batch?: number;
  /** How long a claimed email is left alone before another sender may try it (a crash mid-send). */
  leaseMs?: number;
};

export type NotificationService = {
  api: NotificationApi;
  /** What the shape subscribes to the bus: every event that may become an e-mail. */
  consumer: EventConsumer;
  /** Starts the sender loop. */
  start(): Promise<void>;
  /** Stops the sender loop and waits for a send in progress; does not close the bus or the transport. */
  stop(): Promise<void>;
  /** Sends (or, without a transport, stores) every due email now; resolves to how many it attempted. */
  deliverDue(): Promise<number>;
};

const badCursor = () =>
  new DomainError(
    "BAD_REQUEST",
    "NOTIFICATION.BAD_CURSOR",
    "cursor does not belong to this listing; start again without one",
  );

/** Keyset cursor over (createdAt, id), newest first: base64url of `{ at, id }`. */
const cursors = cursorCodec(z.strictObject({ at: z.iso.datetime(), id: Id }), badCursor);
const encodeCursor = (row: { createdAt: Date; id: string }) =>
  cursors.encode({ at: row.createdAt.toISOString(), id: row.id });

/** Stored with a dead letter or a failed e-mail, and logged: never the values bound to a failed query. */
const describe = (error: unknown) =>
  error instanceof z.ZodError ? z.prettifyError(error).slice(0, 2_000) : summarizeError(error);

/** The domain of the From address, for Message-IDs (`<email-id@domain>`). */
const messageIdDomain = (from: string) => {
  const domain = /@([A-Za-z0-9.-]+)>?\s*$/.exec(from)?.[1];
  return domain ?? "fastr.localhost";
};

/** Validates a payload against its contract schema and renders its email. */
function compose<N extends EmailEvent>(name: N, raw: unknown) {
  const payload = EventPayloads[name].parse(raw) as PayloadOf<N>;
  const to = EmailAddress.safeParse(payload.email);
  if (!to.success) throw new Error(`payload.email is not an email address: ${JSON.stringify(payload.email)}`);
  return { userId: payload.userId, to: to.data, ...render(name, payload) };
}

/**
 * The notification service: one email per event it knows (welcome, order confirmed, payment failed,
 * cancelled, shipped, refunded), exactly once per event id. The email row commits with the inbox
 * row; a sender loop delivers it afterwards, with retries, outside any event transaction.
 * @example const notification = createNotificationService(ports, { bus, transport: smtpTransport(url), from });
 *          await notification.start(); … await notification.stop();
 */
export function createNotificationService(ports: ServicePorts, deps: NotificationDeps): NotificationService {
  const { db, log } = ports;
  const { transport, from } = deps;
  // Each retry waits at least half its step, unless the policy says otherwise: a mail server needs the time.
  const retry: RetryPolicy = { jitter: "equal", ...(deps.retry ?? defaultSendRetry) };
  const pollMs = deps.pollMs ?? 5_000;
  const batch = deps.batch ?? 10;
  const leaseMs = deps.leaseMs ?? 5 * 60_000;
  const domain = messageIdDomain(from);
  notificationMetrics(ports, [CONSUMER, SENDER]);

  /** Between start() and stop(): the poll timer runs and new emails are sent at once. */
  let active = false;
  let halt = false;
  let timer: ReturnType<typeof setInterval> | undefined;

  // --- consuming events ---------------------------------------------------------------------------

  async function handle(event: EventEnvelope) {
    const name = `${event.type}@${event.version}`;
    if (!Object.hasOwn(templates, name)) {
      // A version we have no template for would lose an email if skipped: dead-letter it instead.
      if (emailEventTypes.has(event.type)) throw new Error(`no email template for ${name}`);
      await handleOnce(db, inbox, CONSUMER, event, async () => {});
      return;
    }
    // Throws on an invalid payload: the bus retries, then hands the event to onPoison.
    const email = compose(name as EmailEvent, event.payload);
    const queuedEmail = await handleOnce(db, inbox, CONSUMER, event, async (tx) => {
      await queueEmail(tx, {
        id: newId(),
        eventId: event.id,
        userId: email.userId,
        to: email.to,
        subject: email.subject,
        text: email.text,
        html: email.html,
        kind: event.type,
        status: transport ? "pending" : "stored",
        // When what it tells of happened: a mailbox lists the welcome before the first order's
        // confirmation, though their events travel on separate streams and may be handled out of order.
        createdAt: new Date(event.occurredAt).toISOString(),
      });
    });
    if (queuedEmail && transport) kick();
  }

  const onPoison: PoisonHandler = async (consumer, event, error) => {
    log.warn("notification: event dead-lettered", {
      consumer,
      eventId: event.id,
      type: `${event.type}@${event.version}`,
      error: describe(error),
    });
    await db.primary
      .insert(deadLetters)
      .values({
        id: newId(),
        consumer,
        eventId: String(event.id),
        eventType: `${event.type}@${event.version}`,
        payload: event.payload ?? null,
        error: describe(error),
      })
      .onConflictDoNothing();
  };

  // --- sending ------------------------------------------------------------------------------------

  /** Claims due emails: counts the attempt and leases the row, so no other sender takes it meanwhile. */
  const claim = () =>
    db.primary
      .update(emails)
      .set({ attempts: sql`${emails.attempts} + 1`, nextAttemptAt: fromNow(leaseMs) })
      .where(
        inArray(
          emails.id,
          db.primary
            .select({ id: emails.id })
            .from(emails)
            .where(and(eq(emails.status, "pending"), lte(emails.nextAttemptAt, sql`now()`)))
            .orderBy(asc(emails.nextAttemptAt))
            .limit(batch)
            .for("update", { skipLocked: true }),
        ),
      )
      .returning();

  type Claimed = Awaited<ReturnType<typeof claim>>[number];

  /** Only the holder of this attempt may record its outcome (a stale sender past its lease may not). */
  const stillOurs = (row: Claimed) =>
    and(eq(emails.id, row.id), eq(emails.status, "pending"), eq(emails.attempts, row.attempts));

  async function failed(row: Claimed, error: unknown) {
    const lastError = describe(error);
    if (row.attempts < retry.attempts) {
      await db.primary
        .update(emails)
        .set({ lastError, nextAttemptAt: fromNow(backoff(row.attempts, retry)) })
        .where(stillOurs(row));
      log.warn("notification: send failed, will retry", {
        emailId: row.id,
        attempts: row.attempts,
        error: lastError,
      });
      return;
    }
    await db.primary.transaction(async (tx) => {
      const dead = await tx
        .update(emails)
        .set({ status: "dead", lastError })
        .where(stillOurs(row))
        .returning({ id: emails.id });
      if (dead.length === 0) return;
      await tx
        .insert(deadLetters)
        .values({
          id: newId(),
          consumer: SENDER,
          eventId: row.eventId,
          eventType: row.kind,
          payload: { emailId: row.id, to: row.to, subject: row.subject, attempts: row.attempts },
          error: lastError,
        })
        .onConflictDoNothing();
    });
    log.error("notification: gave up sending an email", {
      emailId: row.id,
      attempts: row.attempts,
      error: lastError,
    });
  }

  async function deliver(sender: MailTransport, row: Claimed) {
    try {
      await sender.send({
        messageId: `<${row.id}@${domain}>`,
        from,
        to: row.to,
        subject: row.subject,
        text: row.text,
        html: row.html,
      });
    } catch (error) {
      return failed(row, error);
    }
    await db.primary
      .update(emails)
      .set({ status: "sent", sentAt: sql`now()`, lastError: null })
      .where(stillOurs(row));
  }

  const pass = async (): Promise<number> => {
    if (!transport) {
      // Pending rows left by an earlier run that had a transport: keep them visible, not stuck.
      const stored = await db.primary
        .update(emails)
        .set({ status: "stored" })
        .where(eq(emails.status, "pending"))
        .returning({ id: emails.id });
      return stored.length;
    }
    let total = 0;
    while (!halt) {
      const claimed = await claim();
      if (claimed.length === 0) break;
      const outcomes = await Promise.allSettled(claimed.map((row) => deliver(transport, row)));
      for (const o of outcomes) {
        // The send went out or failed, but its outcome was not recorded: the lease expires and it is
        // retried with the same Message-ID.
        if (o.status === "rejected")
          log.error("notification: recording a send failed", { error: describe(o.reason) });
      }
      total += claimed.length;
    }
    return total;
  };

  /** One pass at a time; a call during a pass queues one more after it (shared by such callers). */
  const deliverDue = coalesced(pass);

  const kick = () => {
    if (!active) return;
    deliverDue().catch((error) => log.error("notification: sender pass failed", { error: describe(error) }));
  };

  // --- reading ------------------------------------------------------------------------------------

  const api: NotificationApi = {
    async list(userId: string, input: ListEmailsInput) {
      const cursor = input.cursor ? cursors.decode(input.cursor) : null;
      const rows = await db.replica
        .select(emailColumns)
        .from(emails)
        .where(
          and(
            eq(emails.userId, userId),
            cursor
              ? sql`(${emails.createdAt}, ${emails.id}) < (${cursor.at}::timestamptz, ${cursor.id}::uuid)`
              : undefined,
          ),
        )
        .orderBy(desc(emails.createdAt), desc(emails.id))
        .limit(input.limit + 1);
      const items: EmailMessage[] = rows.slice(0, input.limit);
      const last = items.at(-1);
      return { items, nextCursor: rows.length > input.limit && last ? encodeCursor(last) : null };
    },
  };

  return {
    api,
    deliverDue,
    consumer: { consumer: CONSUMER, handle, onPoison },
    async start() {
      if (active) return;
      active = true;
      if (transport) timer = setInterval(kick, pollMs);
      kick(); // whatever an earlier run left due
    },
    async stop() {
      active = false;
      clearInterval(timer);
      timer = undefined;
      halt = true;
      await deliverDue.settled();
      halt = false;
    },
  };
}
