import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "bun:test";
import { createServer } from "node:net";
import { sql } from "drizzle-orm";
import { openPglite } from "../../platform/db/pglite.ts";
import type { Database } from "../../platform/db/port.ts";
import { emptyDatabase } from "../../test/support/migrated-database.ts";
import { SENDER } from "./index.ts";
import { notificationModule } from "./module.ts";
import { orderConfirmed } from "./templates.ts";
import {
  customer,
  deadLettersFor,
  emailFor,
  everyEvent,
  parseMail,
  registered,
  startNotification,
  startSmtpSink,
  until,
} from "./testing.ts";
import { type MailTransport, smtpTransport } from "./transport.ts";

let db: Database;
const cleanups: (() => Promise<unknown>)[] = [];
beforeAll(async () => {
  db = await openPglite(undefined, { from: await emptyDatabase() });
  await db.migrate(notificationModule.migrations);
});
afterAll(() => db.close());
// The sender picks up every due email in its database, so each test starts from empty tables.
beforeEach(() =>
  db.primary.execute(sql`truncate notification.emails, notification.dead_letters, notification.inbox`),
);
afterEach(async () => {
  for (const cleanup of cleanups.splice(0).reverse()) await cleanup();
});

/** Registers a cleanup (run in reverse order after the test) and returns the thing it cleans up. */
const owned = <T>(thing: T, cleanup: (t: T) => Promise<unknown>) => {
  cleanups.push(() => cleanup(thing));
  return thing;
};

const freePort = () =>
  new Promise<number>((resolve) => {
    const probe = createServer().listen(0, "127.0.0.1", () => {
      const { port } = probe.address() as { port: number };
      probe.close(() => resolve(port));
    });
  });

const sentRow = (eventId: string) =>
  until(`email for ${eventId} to be sent`, async () => {
    const row = await emailFor(db, eventId);
    return row?.status === "sent" && row;
  });

describe("notification over SMTP", () => {
  it("delivers an email with its text and HTML parts and a Message-ID naming the email, and marks it sent", async () => {
    const sink = owned(await startSmtpSink(), (s) => s.close());
    const transport = owned(smtpTransport(sink.url), (t) => t.close());
    const shop = owned(await startNotification(db, { transport, pollMs: 50 }), (s) => s.close());
    const ada = customer();
    const paid = everyEvent(ada)["order.paid"];

    await shop.publish(paid);
    const row = await sentRow(paid.id);

    expect(row.attempts).toBe(1);
    expect(row.sent_at).not.toBeNull();
    expect(sink.received).toHaveLength(1);
    expect(sink.received[0]!.to).toEqual([ada.email]);
    expect(sink.received[0]!.from).toBe("shop@fastr.test");
    const mail = parseMail(sink.received[0]!.raw);
    expect(mail.header("Message-ID")).toBe(`<${row.id}@fastr.test>`);
    expect(mail.header("Subject")).toBe("Your order is confirmed — €49.00");
    expect(mail.header("From")).toBe("fastr shop <shop@fastr.test>");
    expect(mail.contentType).toStartWith("multipart/alternative");
    const expected = orderConfirmed(paid.payload as Parameters<typeof orderConfirmed>[0]);
    expect(mail.text!.replace(/\r\n/g, "\n")).toBe(expected.text);
    expect(mail.html!.replace(/\r\n/g, "\n")).toBe(expected.html);
    expect(mail.text).toContain("Total: €49.00");
    expect(mail.html).toContain("Linen Shirt");
  });

  it("sends every email once, each with its own Message-ID", async () => {
    const sink = owned(await startSmtpSink(), (s) => s.close());
    const transport = owned(smtpTransport(sink.url), (t) => t.close());
    const shop = owned(await startNotification(db, { transport, pollMs: 50 }), (s) => s.close());
    const events = Object.values(everyEvent(customer()));

    await shop.publish(...events, ...events);
    for (const e of events) await sentRow(e.id);
    await shop.service.deliverDue();

    expect(sink.received).toHaveLength(events.length);
    const ids = sink.received.map((m) => parseMail(m.raw).header("Message-ID"));
    expect(new Set(ids).size).toBe(events.length);
  });

  it("retries a refused recipient with growing delays, then marks it dead with a dead letter; other emails go out", async () => {
    const sink = owned(
      await startSmtpSink({
        reject: (rcpt) =>
          rcpt.startsWith("full") ? { code: 451, message: "4.2.2 Mailbox full, try again later" } : null,
      }),
      (s) => s.close(),
    );
    const transport = owned(smtpTransport(sink.url), (t) => t.close());
    const retry = { attempts: 3, baseDelayMs: 40, maxDelayMs: 1_000 };
    const shop = owned(await startNotification(db, { transport, retry, pollMs: 10 }), (s) => s.close());
    const [full, fine] = [registered(customer("full@example.com")), registered(customer())];

    await shop.publish(full, fine);
    const dead = await until("the refused email to be dead", async () => {
      const row = await emailFor(db, full.id);
      return row?.status === "dead" && row;
    });

    expect(dead.attempts).toBe(3);
    expect(dead.last_error).toContain("451");
    const letters = await deadLettersFor(db, full.id);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({ consumer: SENDER, event_type: "user.registered" });
    expect(letters[0]!.payload).toMatchObject({ emailId: dead.id, to: "full@example.com", attempts: 3 });
    expect(letters[0]!.error).toContain("Mailbox full");

    // Backoff: each wait is at least half its step (40 ms, then 80 ms).
    const tries = sink.rcptAttempts.filter((a) => a.address === "full@example.com").map((a) => a.at);
    expect(tries).toHaveLength(3);
    expect(tries[1]! - tries[0]!).toBeGreaterThanOrEqual(20);
    expect(tries[2]! - tries[1]!).toBeGreaterThanOrEqual(40);

    const ok = await sentRow(fine.id);
    expect(ok.attempts).toBe(1);
    expect(sink.received.map((m) => m.to)).toEqual([[fine.payload.email]]);

    await Bun.sleep(100); // a dead email is not tried again
    expect(sink.rcptAttempts.filter((a) => a.address === "full@example.com")).toHaveLength(3);
  });

  it("gives up on a server that is not there the same way", async () => {
    const transport = owned(smtpTransport(`smtp://127.0.0.1:${await freePort()}`), (t) => t.close());
    const retry = { attempts: 2, baseDelayMs: 10, maxDelayMs: 20 };
    const shop = owned(await startNotification(db, { transport, retry, pollMs: 10 }), (s) => s.close());
    const welcome = registered(customer());

    await shop.publish(welcome);
    const dead = await until("the email to be dead", async () => {
      const row = await emailFor(db, welcome.id);
      return row?.status === "dead" && row;
    });

    expect(dead.attempts).toBe(2);
    expect(dead.last_error).toMatch(/ECONNREFUSED|connect/i);
    expect(await deadLettersFor(db, welcome.id)).toHaveLength(1);
  });

  it("re-sends an email whose sender stalled mid-send once its lease ends, with the same Message-ID", async () => {
    const gate = Promise.withResolvers<void>();
    const stalled: MailTransport = { send: () => gate.promise };
    const first = await startNotification(db, { transport: stalled, leaseMs: 100, pollMs: 20 });
    const welcome = registered(customer());
    await first.publish(welcome);
    await until("the first sender to claim it", async () => (await emailFor(db, welcome.id))?.attempts === 1);

    // Another instance (or the same service after a restart) takes over once the lease runs out.
    const sink = owned(await startSmtpSink(), (s) => s.close());
    const transport = owned(smtpTransport(sink.url), (t) => t.close());
    owned(await startNotification(db, { transport, leaseMs: 100, pollMs: 20 }), (s) => s.close());
    const row = await sentRow(welcome.id);
    expect(row.attempts).toBe(2);
    expect(parseMail(sink.received[0]!.raw).header("Message-ID")).toBe(`<${row.id}@fastr.test>`);

    // The stalled send finally returns: it must not record an outcome for an attempt it no longer holds.
    gate.resolve();
    await first.close();
    expect(await emailFor(db, welcome.id)).toMatchObject({ status: "sent", attempts: 2 });
    expect(sink.received).toHaveLength(1);
  });
});
