import { afterAll, beforeAll, beforeEach, describe, expect, it } from "bun:test";
import { count, eq, isNull, sql } from "drizzle-orm";
import { pgSchema, serial, uuid } from "drizzle-orm/pg-core";
import type { EventEnvelope } from "../../contracts/events.ts";
import { describeWith, waitFor } from "../../test/support/binaries.ts";
import { emptyDatabase } from "../../test/support/migrated-database.ts";
import { postgresBinary, startPostgres, type ThrowawayPostgres } from "../../test/support/postgres.ts";
import { systemClock } from "../clock.ts";
import { openPostgres } from "../db/pg.ts";
import { openPglite } from "../db/pglite.ts";
import type { Database, Tx } from "../db/port.ts";
import { newId } from "../ids.ts";
import { handleOnce, inboxTable } from "./inbox.ts";
import { memoryBus } from "./memory.ts";
import { appendToOutbox, appendToOutboxWhen, event, outboxRelay, outboxTable } from "./outbox.ts";
import type { Bus } from "./port.ts";

const schema = pgSchema("outboxtest");
const outbox = outboxTable(schema);
const inbox = inboxTable(schema);
/** Stands in for a consumer's business table: one row per time an effect ran. */
const effects = schema.table("effects", { n: serial().primaryKey(), eventId: uuid("event_id").notNull() });

// The DDL drizzle-kit would generate for the tables above.
const ddl = [
  "create schema outboxtest",
  `create table outboxtest.outbox (
    seq bigserial primary key,
    id uuid not null unique,
    type text not null,
    version integer not null,
    aggregate_id text not null,
    payload jsonb not null,
    occurred_at timestamp with time zone not null,
    published_at timestamp with time zone,
    traceparent text,
    tracestate text
  )`,
  "create index outbox_unpublished on outboxtest.outbox (seq) where published_at is null",
  `create table outboxtest.inbox (
    consumer text not null,
    event_id uuid not null,
    handled_at timestamp with time zone not null default now(),
    primary key (consumer, event_id)
  )`,
  "create table outboxtest.effects (n serial primary key, event_id uuid not null)",
];

const created = (productId = newId()) => event("product.created@1", productId, { productId }, systemClock);

let db: Database;

beforeAll(async () => {
  db = await openPglite(undefined, { from: await emptyDatabase() });
  for (const statement of ddl) await db.primary.execute(sql.raw(statement));
});
afterAll(() => db?.close());

beforeEach(async () => {
  await db.primary.execute(sql`truncate outboxtest.outbox, outboxtest.inbox, outboxtest.effects`);
});

describe("outbox relay", () => {
  let bus: Bus;
  let published: string[];

  beforeEach(async () => {
    bus = memoryBus();
    published = [];
    await bus.subscribe("recorder", async (e) => {
      published.push(e.id);
    });
  });

  const relay = (batch?: number) => outboxRelay({ db, bus, outboxes: [outbox], ...(batch ? { batch } : {}) });

  it("never publishes events appended in a transaction that rolled back", async () => {
    const lost = [created(), created()];
    const failing = db.primary.transaction(async (tx) => {
      await appendToOutbox(tx, outbox, lost);
      throw new Error("the business write failed");
    });
    await expect(failing).rejects.toThrow("the business write failed");

    expect(await relay().flush()).toBe(0);
    await bus.drain();
    expect(published).toEqual([]);
    expect((await db.primary.select({ n: count() }).from(outbox))[0]!.n).toBe(0);
  });

  it("publishes committed events in the order they were appended, marks them, and publishes nothing twice", async () => {
    const first = [created(), created()];
    const second = [created()];
    await db.primary.transaction((tx) => appendToOutbox(tx, outbox, first));
    await db.primary.transaction((tx) => appendToOutbox(tx, outbox, second));
    const r = relay();

    expect(await r.flush()).toBe(3);
    await bus.drain();
    expect(published).toEqual([...first, ...second].map((e) => e.id));
    expect(await db.primary.select().from(outbox).where(isNull(outbox.publishedAt))).toEqual([]);

    expect(await r.flush()).toBe(0);
    await bus.drain();
    expect(published).toHaveLength(3);
  });

  it("publishes a backlog larger than one batch, still in order", async () => {
    const events = Array.from({ length: 7 }, () => created());
    await db.primary.transaction((tx) => appendToOutbox(tx, outbox, events));

    expect(await relay(2).flush()).toBe(7);
    await bus.drain();
    expect(published).toEqual(events.map((e) => e.id));
  });

  it("publishes the envelope as it was appended", async () => {
    const sent = created();
    const received: EventEnvelope[] = [];
    await bus.subscribe("reader", async (e) => {
      received.push(e);
    });
    await db.primary.transaction((tx) => appendToOutbox(tx, outbox, [sent]));

    await relay().flush();
    await bus.drain();
    expect(received).toEqual([sent]);
  });

  it("appends events with a guarded change in one statement: published as appended when it changed a row, absent when not", async () => {
    const sent = [created(), created()];
    const skipped = [created()];
    const received: EventEnvelope[] = [];
    await bus.subscribe("reader", async (e) => {
      received.push(e);
    });
    const ex = db.primary;
    const changeWith = async (events: EventEnvelope[], eventId: string) => {
      // Stands in for a conditional update: a row of effects, or none.
      const changed = ex
        .$with("changed")
        .as(ex.select({ n: effects.n }).from(effects).where(eq(effects.eventId, eventId)));
      await ex
        .with(changed, ...appendToOutboxWhen(ex, outbox, events, changed))
        .select()
        .from(changed);
    };
    const someId = newId();
    await ex.insert(effects).values({ eventId: someId });
    await changeWith(sent, someId);
    await changeWith(skipped, newId());

    expect(await relay().flush()).toBe(2);
    await bus.drain();
    expect(received).toEqual(sent);
  });
});

describe("handleOnce", () => {
  const effectRuns = async (eventId: string) =>
    (await db.primary.select({ n: count() }).from(effects).where(eq(effects.eventId, eventId)))[0]!.n;
  const inboxRows = async (eventId: string) =>
    (await db.primary.select({ n: count() }).from(inbox).where(eq(inbox.eventId, eventId)))[0]!.n;
  const recordEffect = (e: EventEnvelope) => async (tx: Tx) => {
    await tx.insert(effects).values({ eventId: e.id });
  };

  it("runs the effect once when the same event is delivered twice", async () => {
    const e = created();
    expect(await handleOnce(db, inbox, "search", e, recordEffect(e))).toBe(true);
    expect(await handleOnce(db, inbox, "search", e, recordEffect(e))).toBe(false);
    expect(await effectRuns(e.id)).toBe(1);
  });

  it("runs the effect once when the same event is delivered twice concurrently", async () => {
    const e = created();
    const ran = await Promise.all([
      handleOnce(db, inbox, "search", e, recordEffect(e)),
      handleOnce(db, inbox, "search", e, recordEffect(e)),
    ]);
    expect(ran.toSorted()).toEqual([false, true]);
    expect(await effectRuns(e.id)).toBe(1);
  });

  it("runs the effect once per consumer", async () => {
    const e = created();
    expect(await handleOnce(db, inbox, "search", e, recordEffect(e))).toBe(true);
    expect(await handleOnce(db, inbox, "mailer", e, recordEffect(e))).toBe(true);
    expect(await effectRuns(e.id)).toBe(2);
  });

  it("leaves no inbox row when the effect throws, so a retry runs it", async () => {
    const e = created();
    const failing = handleOnce(db, inbox, "search", e, async (tx) => {
      await recordEffect(e)(tx);
      throw new Error("downstream unavailable");
    });
    await expect(failing).rejects.toThrow("downstream unavailable");
    expect(await inboxRows(e.id)).toBe(0);
    expect(await effectRuns(e.id)).toBe(0);

    expect(await handleOnce(db, inbox, "search", e, recordEffect(e))).toBe(true);
    expect(await inboxRows(e.id)).toBe(1);
    expect(await effectRuns(e.id)).toBe(1);
  });
});

describeWith(
  { postgres: postgresBinary },
  "outbox relay on PostgreSQL, one per outbox across processes",
  () => {
    let pg: ThrowawayPostgres;
    let dbs: Database[];
    beforeAll(async () => {
      pg = await startPostgres();
      // Two pools stand for two instances of the service, each with its own relay.
      dbs = await Promise.all([0, 1].map(() => openPostgres({ url: pg.url, onError: () => {} })));
      for (const statement of ddl) await dbs[0]!.primary.execute(sql.raw(statement));
    });
    afterAll(async () => {
      for (const d of dbs ?? []) await d.close();
      await pg?.stop();
    });

    it("publishes every event once and in append order while two relays race", async () => {
      const bus = memoryBus();
      const published: string[] = [];
      await bus.subscribe("recorder", async (e) => void published.push(e.id));
      const relays = dbs.map((d) => outboxRelay({ db: d, bus, outboxes: [outbox], batch: 7 }));
      const appended: string[] = [];

      for (let round = 0; round < 20; round++) {
        const events = [created(), created(), created()];
        await dbs[round % 2]!.primary.transaction((tx) => appendToOutbox(tx, outbox, events));
        appended.push(...events.map((e) => e.id));
        await Promise.all(relays.map((r) => r.flush()));
      }
      await Promise.all(relays.map((r) => r.flush()));
      await bus.drain();

      expect(published).toEqual(appended);
      await bus.close();
    });

    it("publishes an event committed while another relay's pass holds the outbox once that pass ends, not at the next poll", async () => {
      const bus = memoryBus();
      const published: string[] = [];
      await bus.subscribe("recorder", async (e) => void published.push(e.id));
      // Never started: no poll at all, so only the kick can deliver it.
      const relay = outboxRelay({ db: dbs[0]!, bus, outboxes: [outbox] });
      const { promise: locked, resolve: hasLock } = Promise.withResolvers<void>();
      const { promise: passOver, resolve: endPass } = Promise.withResolvers<void>();
      // The other instance's relay, mid-pass: it holds the outbox's lock and read before this commit.
      const otherPass = dbs[1]!.primary.transaction(async (tx) => {
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${"fastr:relay:outboxtest.outbox"}))`);
        hasLock();
        await passOver;
      });
      await locked;
      const event = created();
      await dbs[0]!.primary.transaction((tx) => appendToOutbox(tx, outbox, [event]));
      relay.kick();
      await Bun.sleep(200);
      expect(published).toEqual([]);

      endPass();
      await otherPass;
      await waitFor("the event to be published", async () => published.length > 0, 2_000);
      expect(published).toEqual([event.id]);
      await relay.stop();
      await bus.close();
    });
  },
);
