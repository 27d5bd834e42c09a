import { and, eq, inArray, sql } from "drizzle-orm";
import type { EventEnvelope } from "../../contracts/events.ts";
import { money } from "../../contracts/money.ts";
import type { Order, OrderStatus } from "../../contracts/order.ts";
import { appendToOutbox } from "../../platform/bus/outbox.ts";
import type { Database, Executor } from "../../platform/db/port.ts";
import { orderLines, orders, outbox } from "./db/schema.ts";
import { move } from "./domain/order.ts";

export type OrderRow = typeof orders.$inferSelect;
export type LineRow = typeof orderLines.$inferSelect;

/** How long a saga run may hold an order before recovery may take it over. */
/**
 * How long a checkout stays with the process running it before recovery elsewhere may take it over
 * (a process that died mid-saga). One value per process, set from ORDER_SAGA_LEASE_SECONDS.
 */
let leaseSeconds = 30;
export const setSagaLease = (seconds: number) => {
  leaseSeconds = seconds;
};
export const leaseFromNow = () => sql`now() + make_interval(secs => ${leaseSeconds})`;

export function toOrder(row: OrderRow, lines: readonly LineRow[]): Order {
  return {
    id: row.id,
    number: row.number,
    status: row.status,
    statusReason: row.statusReason,
    lines: [...lines]
      .sort((a, b) => a.position - b.position)
      .map((l) => ({
        variantId: l.variantId,
        productId: l.productId,
        title: l.title,
        variantTitle: l.variantTitle,
        sku: l.sku,
        quantity: l.quantity,
        unitPrice: money(l.unitPrice, row.currency),
        lineTotal: money(l.lineTotal, row.currency),
      })),
    subtotal: money(row.subtotal, row.currency),
    shipping: money(row.shipping, row.currency),
    tax: money(row.tax, row.currency),
    total: money(row.total, row.currency),
    taxIncluded: true,
    shippingAddress: row.shippingAddress,
    shippingOption: row.shippingOption,
    email: row.email,
    createdAt: row.createdAt,
    updatedAt: row.updatedAt,
  };
}

/** Orders with their lines, in the order given. */
export async function withLines(ex: Executor, rows: readonly OrderRow[]): Promise<Order[]> {
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
  return rows.map((row) =>
    toOrder(
      row,
      lines.filter((l) => l.orderId === row.id),
    ),
  );
}

export async function findOrder(ex: Executor, id: string): Promise<OrderRow | null> {
  const [row] = await ex.select().from(orders).where(eq(orders.id, id));
  return row ?? null;
}

export async function linesOf(ex: Executor, orderId: string) {
  return ex.select().from(orderLines).where(eq(orderLines.orderId, orderId));
}

/** The saga's to-do flags on an order (see the schema): set with a status change or on their own. */
export type OrderFlags = Partial<
  Pick<OrderRow, "refundDue" | "cartClearDue" | "paymentCheckDue" | "restockDue">
>;
export type OrderChanges = OrderFlags & { reason?: string | null; events?: readonly EventEnvelope[] };

/**
 * Moves an order to `to` if the domain allows it and nobody moved it meanwhile (the update is
 * conditional on the status we read), writing its events to the outbox in the same transaction.
 */
export async function setStatus(
  db: Database,
  order: OrderRow,
  to: OrderStatus,
  changes: OrderChanges = {},
): Promise<OrderRow> {
  move(order.status, to);
  return update(db, order, to, changes);
}

/**
 * Changes an order's flags (and reason) without moving it, if its status is still the one we read.
 * @example await setFlags(db, order, { cartClearDue: false });
 */
export function setFlags(db: Database, order: OrderRow, changes: OrderChanges): Promise<OrderRow> {
  return update(db, order, order.status, changes);
}

function update(db: Database, order: OrderRow, to: OrderStatus, changes: OrderChanges) {
  const { reason, events = [], ...flags } = changes;
  return db.primary.transaction(async (tx) => {
    const [updated] = await tx
      .update(orders)
      .set({
        status: to,
        // What a customer can see changed; the saga's own to-do flags are not news.
        ...((to !== order.status || reason !== undefined) && { updatedAt: sql`now()` }),
        sagaLeaseUntil: leaseFromNow(),
        ...(reason !== undefined && { statusReason: reason }),
        ...flags,
      })
      .where(and(eq(orders.id, order.id), eq(orders.status, order.status)))
      .returning();
    if (!updated) {
      const current = await findOrder(tx, order.id);
      if (to !== order.status) move(current?.status ?? order.status, to); // throws the precise conflict
      throw new Error(`order ${order.id} changed while moving to ${to}`);
    }
    await appendToOutbox(tx, outbox, events);
    return updated;
  });
}
