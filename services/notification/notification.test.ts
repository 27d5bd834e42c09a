import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { sql } from "drizzle-orm";
import { DomainError } from "../../contracts/errors.ts";
import type { EventEnvelope } from "../../contracts/events.ts";
import { event } from "../../platform/bus/outbox.ts";
import { systemClock } from "../../platform/clock.ts";
import { openPglite } from "../../platform/db/pglite.ts";
import type { Database } from "../../platform/db/port.ts";
import { rowsOf } from "../../platform/db/port.ts";
import { newId } from "../../platform/ids.ts";
import { emptyDatabase } from "../../test/support/migrated-database.ts";
import { CONSUMER } from "./index.ts";
import { notificationModule } from "./module.ts";
import { render } from "./templates.ts";
import {
  countEmailsFor,
  customer,
  deadLettersFor,
  emailFor,
  everyEvent,
  fastBusRetry,
  orderPayload,
  registered,
  startNotification,
  until,
} from "./testing.ts";
import type { MailTransport, OutgoingMail } from "./transport.ts";

let db: Database;
beforeAll(async () => {
  db = await openPglite(undefined, { from: await emptyDatabase() });
  await db.migrate(notificationModule.migrations);
});
afterAll(() => db.close());

const inboxHas = async (eventId: string) =>
  rowsOf<{ n: number }>(
    await db.primary.execute(
      sql`select count(*)::int as n from notification.inbox where consumer = ${CONSUMER} and event_id = ${eventId}`,
    ),
  )[0]!.n;

describe("notification: one email per event", () => {
  it("turns each of the six events into one email to the payload's address, with its template's content", async () => {
    const shop = await startNotification(db);
    const ada = customer();
    const events = everyEvent(ada);
    await shop.publish(...Object.values(events));

    const { items, nextCursor } = await shop.api.list(ada.userId, { limit: 20 });
    expect(nextCursor).toBeNull();
    // Newest first: the reverse of the order they were published in.
    expect(items.map((e) => e.kind)).toEqual(Object.keys(events).reverse());
    for (const [kind, e] of Object.entries(events)) {
      const email = items.find((i) => i.kind === kind)!;
      const expected = render(`${e.type}@1` as Parameters<typeof render>[0], e.payload as never);
      expect(email).toMatchObject({ to: ada.email, status: "stored", ...expected });
      expect(email.createdAt).toBeInstanceOf(Date);
    }
    expect(items.find((i) => i.kind === "order.paid")!.subject).toBe("Your order is confirmed — €49.00");
    await shop.close();
  });

  it("lists only the user's own emails, newest first, a page at a time", async () => {
    const shop = await startNotification(db);
    const [ada, grace] = [customer(), customer()];
    const adas = Array.from({ length: 5 }, () => {
      const order = orderPayload(ada);
      return event("order.paid@1", order.orderId, order, systemClock);
    });
    await shop.publish(...adas, registered(grace));

    const pages: string[][] = [];
    let cursor: string | undefined;
    do {
      const page = await shop.api.list(ada.userId, { limit: 2, ...(cursor && { cursor }) });
      pages.push(page.items.map((e) => e.id));
      expect(page.items.every((e) => e.to === ada.email)).toBe(true);
      cursor = page.nextCursor ?? undefined;
    } while (cursor);

    expect(pages.map((p) => p.length)).toEqual([2, 2, 1]);
    const expected = await Promise.all(adas.map(async (e) => (await emailFor(db, e.id))!.id));
    expect(pages.flat()).toEqual(expected.reverse());
    expect((await shop.api.list(grace.userId, { limit: 20 })).items.map((e) => e.kind)).toEqual([
      "user.registered",
    ]);
    expect((await shop.api.list(newId(), { limit: 20 })).items).toEqual([]);
    await shop.close();
  });

  it("refuses a cursor it did not issue", async () => {
    const shop = await startNotification(db);
    const forged = Buffer.from(JSON.stringify({ at: "yesterday", id: "x" })).toString("base64url");
    for (const cursor of [forged, "bm9wZQ"]) {
      const error = await shop.api.list(newId(), { limit: 20, cursor }).catch((e) => e);
      expect(error).toBeInstanceOf(DomainError);
      expect(error).toMatchObject({ kind: "BAD_REQUEST", code: "NOTIFICATION.BAD_CURSOR" });
    }
    await shop.close();
  });
});

describe("notification: exactly once", () => {
  it("sends one email when the same event is delivered twice", async () => {
    const shop = await startNotification(db);
    const welcome = registered(customer());
    await shop.publish(welcome, welcome);
    await shop.publish(welcome);
    expect(shop.deliveries.get(welcome.id)).toBe(3);
    expect(await countEmailsFor(db, welcome.id)).toBe(1);
    expect(await inboxHas(welcome.id)).toBe(1);
    // Redeliveries were recognised, not rejected by the unique event id (which would dead-letter them).
    expect(await deadLettersFor(db, welcome.id)).toEqual([]);
    await shop.close();
  });

  it("sends one email when two consumers of the group get the same event at the same moment", async () => {
    // Two instances of the service (as after a rebalance, or two processes) share the database.
    const [one, two] = [await startNotification(db), await startNotification(db)];
    const paid = everyEvent(customer())["order.paid"];
    await Promise.all([one.publish(paid), two.publish(paid), one.publish(paid), two.publish(paid)]);
    expect(await countEmailsFor(db, paid.id)).toBe(1);
    expect(await deadLettersFor(db, paid.id)).toEqual([]);
    await Promise.all([one.close(), two.close()]);
  });
});

describe("notification: events it cannot handle", () => {
  const poisoned = (e: EventEnvelope, payload: unknown): EventEnvelope => ({ ...e, id: newId(), payload });

  it("dead-letters an event whose payload breaks its contract, after the bus's retries, and handles the next", async () => {
    const shop = await startNotification(db);
    const ada = customer();
    const good = everyEvent(ada);
    const poison = poisoned(good["order.paid"], {
      ...orderPayload(ada),
      total: { amount: "49.00", currency: "EUR" },
    });
    const after = good["order.fulfilled"];

    await shop.publish(poison, after);

    expect(shop.deliveries.get(poison.id)).toBe(fastBusRetry.attempts);
    const letters = await deadLettersFor(db, poison.id);
    expect(letters).toHaveLength(1);
    expect(letters[0]).toMatchObject({
      consumer: CONSUMER,
      event_type: "order.paid@1",
      payload: poison.payload,
    });
    expect(letters[0]!.error).toContain("total.amount");
    expect(await countEmailsFor(db, poison.id)).toBe(0);
    expect(await inboxHas(poison.id)).toBe(0);
    expect(await emailFor(db, after.id)).toMatchObject({ to: ada.email, status: "stored" });
    await shop.close();
  });

  it("dead-letters an event whose address is not an email address", async () => {
    const shop = await startNotification(db);
    const poison = poisoned(registered(customer()), {
      userId: newId(),
      email: "not an address",
      name: "Ada",
    });
    await shop.publish(poison);
    expect((await deadLettersFor(db, poison.id))[0]!.error).toContain("not an email address");
    expect(await countEmailsFor(db, poison.id)).toBe(0);
    await shop.close();
  });

  it("dead-letters a version of an email event it has no template for, rather than dropping the email", async () => {
    const shop = await startNotification(db);
    const v2 = { ...registered(customer()), id: newId(), version: 2 };
    await shop.publish(v2);
    expect((await deadLettersFor(db, v2.id))[0]).toMatchObject({ event_type: "user.registered@2" });
    await shop.close();
  });

  it("ignores events it does not email about, but records them as handled", async () => {
    const shop = await startNotification(db);
    const other = event("product.created@1", newId(), { productId: newId() }, systemClock);
    const unknown: EventEnvelope = {
      ...other,
      id: newId(),
      type: "warehouse.relabelled",
      payload: { anything: 1 },
    };
    await shop.publish(other, unknown);
    for (const e of [other, unknown]) {
      expect(await countEmailsFor(db, e.id)).toBe(0);
      expect(await deadLettersFor(db, e.id)).toEqual([]);
      expect(await inboxHas(e.id)).toBe(1);
    }
    await shop.close();
  });
});

describe("notification: the sender loop", () => {
  it("stores emails at once when there is no transport, including ones a previous run left pending", async () => {
    const leftover = registered(customer());
    const withSmtp = await startNotification(db, {
      transport: { send: () => new Promise(() => {}) },
      pollMs: 60_000,
    });
    await withSmtp.service.stop(); // never sends: the email stays pending
    await withSmtp.publish(leftover);
    await withSmtp.bus.close();
    expect((await emailFor(db, leftover.id))!.status).toBe("pending");

    const shop = await startNotification(db);
    await until(
      "the leftover to be stored",
      async () => (await emailFor(db, leftover.id))!.status === "stored",
    );
    expect(await shop.service.deliverDue()).toBe(0);
    await shop.close();
  });

  it("stops cleanly: waits for the send in flight, then no timer fires and nothing more is sent until it starts again", async () => {
    const sent: OutgoingMail[] = [];
    const gate = Promise.withResolvers<void>();
    const started = Promise.withResolvers<void>();
    const transport: MailTransport = {
      async send(mail) {
        started.resolve();
        await gate.promise;
        sent.push(mail);
      },
    };
    const shop = await startNotification(db, { transport, pollMs: 20 });
    const first = registered(customer());
    await shop.publish(first);
    await Promise.race([started.promise, Bun.sleep(2_000).then(() => Promise.reject(new Error("no send")))]);

    let stopped = false;
    const stopping = shop.service.stop().then(() => {
      stopped = true;
    });
    await Bun.sleep(50);
    expect(stopped).toBe(false); // the send in flight holds stop() …
    gate.resolve();
    await stopping; // … and stop() returns once it is recorded
    expect(await emailFor(db, first.id)).toMatchObject({ status: "sent", attempts: 1 });

    const second = registered(customer());
    await shop.publish(second);
    await Bun.sleep(150); // several poll intervals
    expect(sent.map((m) => m.to)).toEqual([first.payload.email]);
    expect((await emailFor(db, second.id))!.status).toBe("pending");

    await shop.service.start(); // a restart picks up what waited
    await until(
      "the waiting email to be sent",
      async () => (await emailFor(db, second.id))!.status === "sent",
    );
    await shop.close();
  });
});
