import { asc, isNull, type Placeholder, sql } from "drizzle-orm";
import {
  bigserial,
  getTableConfig,
  index,
  integer,
  jsonb,
  type PgSchema,
  text,
  timestamp,
  uuid,
} from "drizzle-orm/pg-core";
import type { WithSubquery } from "drizzle-orm/subquery";
import type { EventEnvelope, EventName, PayloadOf } from "../../contracts/events.ts";
import { EventPayloads } from "../../contracts/events.ts";
import type { Clock } from "../clock.ts";
import { coalesced } from "../coalesced.ts";
import { builtOnceFor, rowOf } from "../db/built-once.ts";
import { insertWhen } from "../db/insert-when.ts";
import { deleteOlderThan } from "../db/older-than.ts";
import type { Database, Executor } from "../db/port.ts";
import { newId } from "../ids.ts";
import { publishTraced, traceContextForEvents, untraced } from "../telemetry/events.ts";
import type { Bus } from "./port.ts";

/** The outbox table a service declares in its own schema, so drizzle-kit migrates it with the rest. */
export const outboxTable = (schema: PgSchema) =>
  schema.table(
    "outbox",
    {
      seq: bigserial({ mode: "number" }).primaryKey(),
      id: uuid().notNull().unique(),
      type: text().notNull(),
      version: integer().notNull(),
      aggregateId: text("aggregate_id").notNull(),
      payload: jsonb().notNull(),
      occurredAt: timestamp("occurred_at", { withTimezone: true }).notNull(),
      publishedAt: timestamp("published_at", { withTimezone: true }),
      /** W3C trace context of the transaction that wrote the event (null while tracing is off). */
      traceparent: text(),
      tracestate: text(),
    },
    (t) => [index("outbox_unpublished").on(t.seq).where(sql`published_at is null`)],
  );
export type OutboxTable = ReturnType<typeof outboxTable>;

/** Builds a validated envelope; the payload must match its contract schema. */
export function event<N extends EventName>(
  name: N,
  aggregateId: string,
  payload: PayloadOf<N>,
  clock: Clock,
): EventEnvelope {
  const [type, version] = name.split("@") as [string, string];
  return {
    id: newId(),
    type,
    version: Number(version),
    occurredAt: clock.now(),
    aggregateId,
    payload: EventPayloads[name].parse(payload),
  };
}

/**
 * Writes events in the caller's transaction: they are published if and only if it commits. Each row
 * keeps the current trace context, so publishing and handling the event join the writer's trace.
 */
export async function appendToOutbox(tx: Executor, table: OutboxTable, events: readonly EventEnvelope[]) {
  if (events.length === 0) return;
  await tx.insert(table).values(outboxRows(events));
}

/**
 * The events as one more CTE of a statement that writes them only if `guard` (a conditional update in
 * the same statement, say) changed a row: the change and its events are one statement, atomic without
 * a transaction around them. Empty when there are no events. See `insertWhen`.
 * @example const moved = ex.$with("moved").as(ex.update(orders).set(…).where(…).returning());
 *          const [row] = await ex.with(moved, ...appendToOutboxWhen(ex, outbox, events, moved)).select().from(moved);
 */
export function appendToOutboxWhen(
  ex: Executor,
  table: OutboxTable,
  events: readonly EventEnvelope[],
  guard: WithSubquery,
) {
  return events.length === 0 ? [] : [insertWhen(ex, "appended_events", table, outboxRows(events), guard)];
}

/**
 * `appendToOutboxWhen` in a statement built once (ADR 178): `rows` (`outboxRows`) name the columns,
 * and the rows travel in the `json` placeholder, filled with `insertedRows(table, rows)` on each run.
 */
export const appendRowsToOutboxWhen = (
  ex: Executor,
  table: OutboxTable,
  rows: ReturnType<typeof outboxRows>,
  guard: WithSubquery,
  json: Placeholder,
) => [insertWhen(ex, "appended_events", table, rows, guard, { json })];

/** Outbox rows for events written now, with the current trace context. */
export function outboxRows(events: readonly EventEnvelope[]) {
  const trace = traceContextForEvents();
  return events.map((e) => ({ ...e, ...trace, payload: e.payload as object }));
}

const takeRelayLock = builtOnceFor<{ leader: boolean }>(
  sql`select pg_try_advisory_xact_lock(hashtext(${sql.placeholder("key")})) as leader`,
);

/** The unpublished rows of one outbox, oldest first, and their marking as published. */
const builtPass = (db: Database, table: OutboxTable) => ({
  unpublished: builtOnceFor<Record<string, unknown>>(
    db.primary
      .select()
      .from(table)
      .where(isNull(table.publishedAt))
      .orderBy(asc(table.seq))
      .limit(sql.placeholder("batch"))
      .getSQL(),
  ),
  toRow: rowOf(table),
  markPublished: builtOnceFor(
    sql`update ${table} set ${sql.identifier(table.publishedAt.name)} = now() where ${table.seq} = any(${sql.placeholder("seqs")}::bigint[])`,
  ),
});

/** An outbox row as the envelope it stores (a context the row does not have is left out, not null). */
const envelopeOf = ({
  seq: _,
  publishedAt: __,
  traceparent,
  tracestate,
  ...e
}: OutboxTable["$inferSelect"]) =>
  ({
    ...e,
    ...(traceparent && { traceparent }),
    ...(tracestate && { tracestate }),
  }) as EventEnvelope;

/**
 * Moves committed outbox rows onto the bus, oldest first (at-least-once: a crash after publishing
 * and before marking re-publishes, and consumers dedupe by event id). `kick()` wakes it right after a
 * commit; a kick that finds another process's relay in a pass over the outbox (which may have read
 * before the commit) looks again `contendedRetryMs` later. The poll is the fallback for rows no kick
 * followed (a process that died between its commit and its relay's pass): ADR 141.
 */
export function outboxRelay({
  db,
  bus,
  outboxes,
  pollMs = 2_000,
  contendedRetryMs = 50,
  batch = 200,
  onError = () => {},
}: {
  db: Database;
  bus: Bus;
  outboxes: readonly OutboxTable[];
  pollMs?: number;
  contendedRetryMs?: number;
  batch?: number;
  onError?: (error: unknown) => void;
}) {
  let timer: ReturnType<typeof setInterval> | undefined;

  /** A pass's statements over each outbox, built once (ADR 178). */
  const built = new Map<OutboxTable, ReturnType<typeof builtPass>>();
  const passStatements = (table: OutboxTable) => {
    let pass = built.get(table);
    if (!pass) {
      pass = builtPass(db, table);
      built.set(table, pass);
    }
    return pass;
  };

  /**
   * One relay per outbox across every process: a transaction-scoped advisory lock (it works through
   * PgBouncer in transaction mode, unlike a session lock). Whoever holds it publishes the oldest
   * batch, so events leave in append order; the others find the lock taken and skip the pass.
   */
  const relayOne = (table: OutboxTable) =>
    db.primary.transaction(async (tx) => {
      const { schema, name } = getTableConfig(table);
      const pass = passStatements(table);
      const [lock] = await takeRelayLock(tx, { key: `fastr:relay:${schema}.${name}` });
      if (!lock?.leader) return null; // another relay is in a pass over this outbox
      const rows = (await pass.unpublished(tx, { batch })).map(pass.toRow);
      if (rows.length === 0) return 0;
      // An outbox lives in the schema of the service that owns it: its publish spans are that service's.
      await publishTraced(schema ?? "fastr", rows.map(envelopeOf), bus.kind, (events) => bus.publish(events));
      await pass.markPublished(tx, { seqs: rows.map((r) => r.seq) });
      return rows.length;
    });

  /** Outboxes that may hold unpublished rows: the ones a commit named, or all of them on a poll. */
  const dirty = new Set<OutboxTable>();

  // The relay's own statements are bookkeeping: no traces of their own, and none joined to whichever
  // request woke it. Each event's publish span joins the trace that wrote the event instead.
  const pass = () => untraced(passOverDirty);
  const passOverDirty = async () => {
    const tables = [...dirty];
    dirty.clear();
    let total = 0;
    for (const table of tables) {
      for (;;) {
        const n = await relayOne(table);
        if (n === null) {
          lookAgainSoon(table);
          break;
        }
        total += n;
        // A short batch means the table is drained; a full one may have more behind it.
        if (n < batch) break;
      }
    }
    return total;
  };

  /** Outboxes whose lock another relay held: its pass may have read before our commit. */
  const contended = new Set<OutboxTable>();
  let retry: ReturnType<typeof setTimeout> | undefined;
  const lookAgainSoon = (table: OutboxTable) => {
    contended.add(table);
    retry ??= setTimeout(() => {
      retry = undefined;
      const tables = [...contended];
      contended.clear();
      flush(tables).catch(onError);
    }, contendedRetryMs);
  };

  const runPasses = coalesced(pass);

  /**
   * Publishes what is pending in `tables` (all by default); returns how many events went out. A call
   * during a pass queues one more pass after it, so no commit waits for the next poll.
   */
  const flush = (tables: readonly OutboxTable[] = outboxes): Promise<number> => {
    for (const table of tables) dirty.add(table);
    return runPasses();
  };

  /** Wakes the relay: for the outbox a transaction just committed events to, or for all of them. */
  const kick = (table?: OutboxTable) => {
    flush(table ? [table] : outboxes).catch(onError);
  };

  return {
    flush,
    kick,
    start() {
      timer ??= setInterval(() => kick(), pollMs);
      kick();
    },
    async stop() {
      clearInterval(timer);
      timer = undefined;
      await runPasses.settled();
      clearTimeout(retry);
      retry = undefined;
      contended.clear();
    },
  };
}
export type OutboxRelay = ReturnType<typeof outboxRelay>;

/**
 * Events committed to `table` and not yet published, and how long the oldest has waited in seconds
 * (by database time); the partial index on unpublished rows keeps this cheap however long the history.
 */
export async function outboxBacklog(ex: Executor, table: OutboxTable) {
  const [row] = await ex
    .select({
      unpublished: sql<number>`count(*)::int`,
      oldestSeconds: sql<number>`coalesce(extract(epoch from now() - min(${table.occurredAt})), 0)::float8`,
    })
    .from(table)
    .where(isNull(table.publishedAt));
  return row!;
}

/** `schema.table` of an outbox, e.g. `order.outbox`. */
export const outboxName = (table: OutboxTable) => {
  const { schema, name } = getTableConfig(table);
  return `${schema}.${name}`;
};

/** Deletes events published longer ago than `olderThanMs` (by database time); unpublished rows stay. */
export const pruneOutbox = (db: Database, table: OutboxTable, olderThanMs: number): Promise<number> =>
  deleteOlderThan(db, table, table.publishedAt, olderThanMs);
