import { and, eq, inArray, sql } from "drizzle-orm";
import { money } from "../../contracts/money.ts";
import type { Order } from "../../contracts/order.ts";
import { appendRowsToOutboxWhen, event, outboxRows } from "../../platform/bus/outbox.ts";
import type { Clock } from "../../platform/clock.ts";
import { builtOnce, rowOf } from "../../platform/db/built-once.ts";
import { insertedRows } from "../../platform/db/insert-when.ts";
import { fromNow } from "../../platform/db/older-than.ts";
import type { Database, Executor } from "../../platform/db/port.ts";
import { orderLines, orders, outbox } from "./db/schema.ts";
import { type Change, move, type OrderFlags } from "./domain/order.ts";

export type OrderRow = typeof orders.$inferSelect;
export type LineRow = typeof orderLines.$inferSelect;
/** An order as the service loads and saves it: its row and its lines (which never change). */
export type StoredOrder = OrderRow & { lines: readonly LineRow[] };

/**
 * How long a checkout stays with the process running it before recovery elsewhere may take it over
 * (a process that died mid-saga). One value per process, set from ORDER_SAGA_LEASE_SECONDS.
 */
let leaseSeconds = 30;
export const setSagaLease = (seconds: number) => {
  leaseSeconds = seconds;
};
export const leaseFromNow = () => fromNow(leaseSeconds * 1000);
/** The lease in a statement built once (ADR 178): fill its `leaseSeconds` placeholder with `sagaLeaseSeconds()`. */
export const builtLeaseFromNow = () => sql`now() + make_interval(secs => ${sql.placeholder("leaseSeconds")})`;
export const sagaLeaseSeconds = () => leaseSeconds;

type VariantSold = Pick<LineRow, "variantId" | "productId" | "title" | "variantTitle" | "sku" | "quantity">;

/** What a line says about the variant it sold: the same in the cart, the stored line and the API. */
export const variantSold = ({ variantId, productId, title, variantTitle, sku, quantity }: VariantSold) => ({
  variantId,
  productId,
  title,
  variantTitle,
  sku,
  quantity,
});

/** The order as the API shows it. */
export function toOrder(order: StoredOrder): Order {
  const { currency } = order;
  return {
    id: order.id,
    number: order.number,
    status: order.status,
    statusReason: order.statusReason,
    lines: [...order.lines]
      .sort((a, b) => a.position - b.position)
      .map((l) => ({
        ...variantSold(l),
        unitPrice: money(l.unitPrice, currency),
        lineTotal: money(l.lineTotal, currency),
      })),
    subtotal: money(order.subtotal, currency),
    shipping: money(order.shipping, currency),
    tax: money(order.tax, currency),
    total: money(order.total, currency),
    taxIncluded: true,
    shippingAddress: order.shippingAddress,
    shippingOption: order.shippingOption,
    email: order.email,
    createdAt: order.createdAt,
    updatedAt: order.updatedAt,
  };
}

/** Orders with their lines, in the order given (one query for all the lines). */
export async function withLines(ex: Executor, rows: readonly OrderRow[]): Promise<StoredOrder[]> {
  if (rows.length === 0) return [];
  const lines = await ex
    .select()
    .from(orderLines)
    .where(
      inArray(
        orderLines.orderId,
        rows.map((r) => r.id),
      ),
    );
  return rows.map((row) => ({ ...row, lines: lines.filter((l) => l.orderId === row.id) }));
}

export async function findOrder(ex: Executor, id: string): Promise<OrderRow | null> {
  const [row] = await ex.select().from(orders).where(eq(orders.id, id));
  return row ?? null;
}

export async function loadOrder(ex: Executor, id: string): Promise<StoredOrder | null> {
  const row = await findOrder(ex, id);
  return row && (await withLines(ex, [row]))[0]!;
}

const flagNames = [
  "refundDue",
  "cartClearDue",
  "paymentCheckDue",
  "restockDue",
] as const satisfies readonly (keyof OrderFlags)[];

/**
 * Saves what the domain decided: the order's new status, reason and flags, and its events to the
 * outbox, in one statement, only if its status is still the one it was decided on. Only what the
 * change touched is written, so a flag set meanwhile by someone else (a payment event) survives.
 * @example const paid = await store.save(order, markPaid(order));
 */
export function orderStore({
  db,
  clock,
  eventsCommitted,
}: {
  db: Database;
  clock: Clock;
  /** Wakes the outbox relay after a transaction that wrote events. */
  eventsCommitted: () => void;
}) {
  const ex = db.primary;
  const value = sql.placeholder;
  const toOrderRow = rowOf(orders);
  /**
   * The save's statement for one shape of change, built the first time that shape is saved (ADR 178):
   * which columns it sets and which columns its events' rows name. Its values are placeholders.
   */
  const statements = new Map<string, ReturnType<typeof builtOnce<Record<string, unknown>>>>();
  function statementFor(
    shape: { touched: boolean; reasoned: boolean; flags: readonly string[] },
    eventRows: ReturnType<typeof outboxRows>,
  ) {
    const key = `${shape.touched}|${shape.reasoned}|${shape.flags}|${eventRows[0] ? Object.keys(eventRows[0]) : "-"}`;
    let statement = statements.get(key);
    if (!statement) {
      const updated = ex.$with("updated").as(
        ex
          .update(orders)
          .set({
            status: sql`${value("status")}`,
            // What a customer can see changed; the saga's own to-do flags are not news.
            ...(shape.touched && { updatedAt: sql`now()` }),
            ...(shape.reasoned && { statusReason: sql`${value("statusReason")}` }),
            sagaLeaseUntil: builtLeaseFromNow(),
            ...Object.fromEntries(shape.flags.map((f) => [f, sql`${value(f)}`])),
          })
          .where(and(eq(orders.id, value("id")), eq(orders.status, value("was"))))
          .returning(),
      );
      const appended =
        eventRows.length === 0 ? [] : appendRowsToOutboxWhen(ex, outbox, eventRows, updated, value("events"));
      statement = builtOnce(
        ex,
        ex
          .with(updated, ...appended)
          .select()
          .from(updated)
          .getSQL(),
      );
      statements.set(key, statement);
    }
    return statement;
  }

  async function save(
    before: StoredOrder,
    { order: after, events }: Change<StoredOrder>,
  ): Promise<StoredOrder> {
    const moved = after.status !== before.status;
    const reasoned = after.statusReason !== before.statusReason;
    const flags = Object.fromEntries(
      flagNames.filter((f) => after[f] !== before[f]).map((f) => [f, after[f]]),
    );
    // One statement: the conditional update, and its events only if it matched (no transaction).
    const envelopes = events.map((e) => event(e.name, before.id, e.payload, clock));
    const eventRows = outboxRows(envelopes);
    const statement = statementFor(
      { touched: moved || reasoned, reasoned, flags: Object.keys(flags) },
      eventRows,
    );
    const [saved] = (
      await statement({
        ...flags,
        status: after.status,
        statusReason: after.statusReason,
        leaseSeconds,
        id: before.id,
        was: before.status,
        events: eventRows.length === 0 ? null : insertedRows(outbox, eventRows),
      })
    ).map(toOrderRow);
    if (!saved) {
      const current = await findOrder(ex, before.id);
      if (moved) move(current?.status ?? before.status, after.status); // throws the precise conflict
      throw new Error(`order ${before.id} changed while moving to ${after.status}`);
    }
    if (events.length > 0) eventsCommitted();
    return { ...saved, lines: before.lines };
  }

  return { save };
}
export type OrderStore = ReturnType<typeof orderStore>;
