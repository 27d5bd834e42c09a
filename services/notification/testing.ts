/** Test support for the notification suites: events for a customer, a service on a fresh bus, bounded waits. */

import { sql } from "drizzle-orm";
import type { EventEnvelope, PayloadOf } from "../../contracts/events.ts";
import { memoryBus } from "../../platform/bus/memory.ts";
import { event } from "../../platform/bus/outbox.ts";
import type { Bus } from "../../platform/bus/port.ts";
import { systemClock } from "../../platform/clock.ts";
import { type Database, rowsOf } from "../../platform/db/port.ts";
import { newId } from "../../platform/ids.ts";
import { testPorts } from "../../test/support/ports.ts";
import { createNotificationService, type NotificationDeps } from "./index.ts";

export const fastBusRetry = { attempts: 3, baseDelayMs: 1, maxDelayMs: 2 };
export const FROM = "fastr shop <shop@fastr.test>";

let n = 0;
export const customer = (email = `customer${++n}-${newId().slice(-6)}@example.com`) => ({
  userId: newId(),
  email,
  name: "Ada Lovelace",
});
export type Customer = ReturnType<typeof customer>;

export const orderPayload = (c: Customer): PayloadOf<"order.paid@1"> => ({
  orderId: newId(),
  number: 1042,
  userId: c.userId,
  email: c.email,
  name: c.name,
  total: { amount: 4900, currency: "EUR" },
  lines: [
    { title: "Linen Shirt", quantity: 2, lineTotal: { amount: 3800, currency: "EUR" } },
    { title: "Pour-over Kettle", quantity: 1, lineTotal: { amount: 1100, currency: "EUR" } },
  ],
});

/** One event of each kind the service emails about, for this customer. */
export function everyEvent(c: Customer) {
  const order = orderPayload(c);
  return {
    "user.registered": event(
      "user.registered@1",
      c.userId,
      { userId: c.userId, email: c.email, name: c.name },
      systemClock,
    ),
    "order.paid": event("order.paid@1", order.orderId, order, systemClock),
    "order.payment_failed": event(
      "order.payment_failed@1",
      order.orderId,
      { ...order, reason: "Your card has insufficient funds." },
      systemClock,
    ),
    "order.cancelled": event(
      "order.cancelled@1",
      order.orderId,
      { ...order, reason: "cancelled at your request" },
      systemClock,
    ),
    "order.fulfilled": event("order.fulfilled@1", order.orderId, order, systemClock),
    "payment.refunded": event(
      "payment.refunded@1",
      order.orderId,
      {
        orderId: order.orderId,
        userId: c.userId,
        email: c.email,
        refundId: newId(),
        amount: { amount: 4900, currency: "EUR" },
      },
      systemClock,
    ),
  } satisfies Record<string, EventEnvelope>;
}

export const registered = (c: Customer) =>
  everyEvent(c)["user.registered"] as EventEnvelope<PayloadOf<"user.registered@1">>;

/** A notification service subscribed to its own in-memory bus. */
export async function startNotification(db: Database, deps: Partial<NotificationDeps> = {}) {
  const inner = memoryBus({ retry: fastBusRetry });
  /** How many times the bus handed each event id to the service's handler. */
  const deliveries = new Map<string, number>();
  const bus: Bus = {
    ...inner,
    subscribe: (consumer, handler, options) =>
      inner.subscribe(
        consumer,
        (e) => {
          deliveries.set(e.id, (deliveries.get(e.id) ?? 0) + 1);
          return handler(e);
        },
        options,
      ),
  };
  const service = createNotificationService(testPorts(db, "notification").ports, {
    transport: null,
    from: FROM,
    ...deps,
  });
  const { consumer, handle, onPoison } = service.consumer;
  await bus.subscribe(consumer, handle, onPoison ? { onPoison } : {});
  await service.start();
  return {
    bus,
    deliveries,
    service,
    api: service.api,
    async publish(...events: EventEnvelope[]) {
      await bus.publish(events);
      await bus.drain();
    },
    async close() {
      await service.stop();
      await bus.close();
    },
  };
}

/** Polls `probe` until it returns something truthy; fails after `ms` with `what` in the message. */
export async function until<T>(what: string, probe: () => Promise<T | null | undefined | false>, ms = 5_000) {
  const deadline = Date.now() + ms;
  for (;;) {
    const value = await probe();
    if (value) return value;
    if (Date.now() > deadline) throw new Error(`timed out after ${ms} ms waiting for ${what}`);
    await Bun.sleep(10);
  }
}

export type EmailRow = {
  id: string;
  event_id: string;
  to: string;
  status: string;
  attempts: number;
  last_error: string | null;
  sent_at: Date | null;
};

export async function emailFor(db: Database, eventId: string): Promise<EmailRow | undefined> {
  return rowsOf<EmailRow>(
    await db.primary.execute(
      sql`select id, event_id, "to", status, attempts, last_error, sent_at from notification.emails where event_id = ${eventId}`,
    ),
  )[0];
}

export async function countEmailsFor(db: Database, eventId: string) {
  return rowsOf<{ n: number }>(
    await db.primary.execute(
      sql`select count(*)::int as n from notification.emails where event_id = ${eventId}`,
    ),
  )[0]!.n;
}

export async function deadLettersFor(db: Database, eventId: string) {
  return rowsOf<{ consumer: string; event_id: string; event_type: string; payload: unknown; error: string }>(
    await db.primary.execute(
      sql`select consumer, event_id, event_type, payload, error from notification.dead_letters where event_id = ${eventId}`,
    ),
  );
}

// --- an SMTP server to send to -------------------------------------------------------------------

export type Received = { from: string; to: string[]; raw: string };

/**
 * A throwaway SMTP server (the `smtp-server` package) on a free loopback port, keeping what it
 * receives. `reject(rcpt)` may return an SMTP error for a recipient (e.g. 451 for a full mailbox).
 */
export async function startSmtpSink(
  options: { reject?: (rcpt: string) => { code: number; message: string } | null } = {},
) {
  const { SMTPServer } = await import("smtp-server");
  const received: Received[] = [];
  const rcptAttempts: { address: string; at: number }[] = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ["STARTTLS", "AUTH"],
    logger: false,
    onRcptTo(address, _session, callback) {
      rcptAttempts.push({ address: address.address, at: performance.now() });
      const refusal = options.reject?.(address.address);
      if (!refusal) return callback();
      const error = new Error(refusal.message) as Error & { responseCode: number };
      error.responseCode = refusal.code;
      callback(error);
    },
    onData(stream, session, callback) {
      const chunks: Buffer[] = [];
      stream.on("data", (chunk: Buffer) => chunks.push(chunk));
      stream.on("end", () => {
        received.push({
          from: session.envelope.mailFrom ? session.envelope.mailFrom.address : "",
          to: session.envelope.rcptTo.map((r) => r.address),
          raw: Buffer.concat(chunks).toString("utf8"),
        });
        callback();
      });
    },
  });
  await new Promise<void>((resolve) => server.listen(0, "127.0.0.1", () => resolve()));
  const { port } = server.server.address() as { port: number };
  return {
    url: `smtp://127.0.0.1:${port}`,
    received,
    rcptAttempts,
    /** The decoded subjects of what arrived for `address`, in order of arrival. */
    subjectsTo: (address: string) =>
      received.filter((m) => m.to.includes(address)).map((m) => parseMail(m.raw).header("subject")),
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}

// --- just enough MIME to read what nodemailer sends ----------------------------------------------

const decodeQuotedPrintable = (body: string) => {
  const bytes: number[] = [];
  const soft = body.replace(/=\r?\n/g, "");
  for (let i = 0; i < soft.length; i++) {
    if (soft[i] === "=" && /^[0-9A-F]{2}$/i.test(soft.slice(i + 1, i + 3))) {
      bytes.push(Number.parseInt(soft.slice(i + 1, i + 3), 16));
      i += 2;
    } else bytes.push(...Buffer.from(soft[i]!, "utf8"));
  }
  return Buffer.from(bytes).toString("utf8");
};

const decodeWords = (value: string) =>
  value
    .replace(/\?=\s+=\?/g, "?==?")
    .replace(/=\?utf-8\?([QB])\?([^?]*)\?=/gi, (_, enc: string, text: string) =>
      enc.toUpperCase() === "B"
        ? Buffer.from(text, "base64").toString("utf8")
        : decodeQuotedPrintable(text.replace(/_/g, " ")),
    );

function splitEntity(raw: string) {
  const at = raw.indexOf("\r\n\r\n");
  const head = raw.slice(0, at).replace(/\r\n[ \t]+/g, " ");
  const headers = new Map<string, string>();
  for (const line of head.split("\r\n")) {
    const colon = line.indexOf(":");
    headers.set(line.slice(0, colon).trim().toLowerCase(), line.slice(colon + 1).trim());
  }
  return { headers, body: raw.slice(at + 4) };
}

const decodeBody = (headers: Map<string, string>, body: string) => {
  const encoding = headers.get("content-transfer-encoding")?.toLowerCase();
  if (encoding === "quoted-printable") return decodeQuotedPrintable(body);
  if (encoding === "base64") return Buffer.from(body.replace(/\s+/g, ""), "base64").toString("utf8");
  return body;
};

const mediaType = (headers: Map<string, string>) =>
  (headers.get("content-type") ?? "text/plain").split(";")[0]!.trim().toLowerCase();

/** Headers, and the decoded text and HTML parts, of a message as nodemailer builds it. */
export function parseMail(raw: string) {
  const { headers, body } = splitEntity(raw);
  const parts: Record<string, string> = {};
  const boundary = /boundary="?([^";]+)"?/.exec(headers.get("content-type") ?? "")?.[1];
  if (boundary) {
    for (const chunk of body.split(`--${boundary}`).slice(1, -1)) {
      const part = splitEntity(chunk.replace(/^\r\n/, ""));
      parts[mediaType(part.headers)] = decodeBody(part.headers, part.body).replace(/\r\n$/, "");
    }
  } else {
    parts[mediaType(headers)] = decodeBody(headers, body);
  }
  return {
    header: (name: string) => decodeWords(headers.get(name.toLowerCase()) ?? ""),
    contentType: headers.get("content-type") ?? "",
    text: parts["text/plain"],
    html: parts["text/html"],
  };
}
