import { type Placeholder, type SQL, sql } from "drizzle-orm";
import { builtOnce, rowOf } from "../../../../platform/db/built-once.ts";
import { insertedRows, insertWhen } from "../../../../platform/db/insert-when.ts";
import type { Executor } from "../../../../platform/db/port.ts";
import { orderLines, orders } from "../../db/schema.ts";
import { builtLeaseFromNow, type LineRow, type StoredOrder, sagaLeaseSeconds } from "../../store.ts";
import type { SagaContext } from "../context.ts";

/** Where a crash is simulated in this step. */
export const points = ["after-create"] as const;

/**
 * A priced order, ready to be written: the cart's lines and totals, the address, the payment method.
 * Its saga lease starts when it is written.
 */
export type OrderDraft = { order: Omit<typeof orders.$inferInsert, "sagaLeaseUntil">; lines: LineRow[] };

const toOrderRow = rowOf(orders);

/**
 * The statement writing a draft, built once per database handle and per shape of draft (the columns
 * its order and lines give), its values placeholders (ADR 178): each order column's own, `lines`.
 */
const built = new WeakMap<Executor, Map<string, ReturnType<typeof builtOnce<Record<string, unknown>>>>>();
function statementFor(ex: Executor, draft: OrderDraft) {
  // A column left undefined takes its default and a null is written as null, as drizzle's insert does.
  const given = Object.entries(draft.order).filter(([, v]) => v !== undefined);
  const shape = `${given.map(([key, v]) => (v === null ? `${key}=null` : key))}|${Object.keys(draft.lines[0] ?? {})}`;
  const statements = built.get(ex) ?? new Map();
  built.set(ex, statements);
  let statement = statements.get(shape);
  if (!statement) {
    const values = Object.fromEntries(
      given.map(([key, v]) => [key, v === null ? sql`null` : sql.placeholder(key)]),
    ) as Record<keyof OrderDraft["order"], Placeholder | SQL>;
    const placed = ex.$with("placed").as(
      ex
        .insert(orders)
        .values({ ...values, sagaLeaseUntil: builtLeaseFromNow() })
        .onConflictDoNothing({ target: [orders.userId, orders.idempotencyKey] })
        .returning(),
    );
    const lines = insertWhen(ex, "placed_lines", orderLines, draft.lines, placed, {
      json: sql.placeholder("lines"),
    });
    statement = builtOnce<Record<string, unknown>>(ex, ex.with(placed, lines).select().from(placed).getSQL());
    statements.set(shape, statement);
  }
  return statement;
}

/**
 * Writes the pending order and its lines in one statement, which also claims the idempotency key: the
 * saga's first step, with nothing to undo (an order is never deleted; the steps after it end it
 * cancelled or failed). Null when an order with the same key exists already (a replay, or a
 * concurrent request that won the insert): then nothing is written.
 */
export async function createOrder(saga: SagaContext, draft: OrderDraft): Promise<StoredOrder | null> {
  const write = statementFor(saga.db.primary, draft);
  const values = {
    ...draft.order,
    leaseSeconds: sagaLeaseSeconds(),
    lines: insertedRows(orderLines, draft.lines),
  };
  const [row] = (await write(values)).map(toOrderRow);
  if (!row) return null;
  await saga.faults("after-create");
  return { ...row, lines: draft.lines };
}
