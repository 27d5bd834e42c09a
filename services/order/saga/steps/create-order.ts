import type { PgInsertValue } from "drizzle-orm/pg-core";
import { insertWhen } from "../../../../platform/db/insert-when.ts";
import { orderLines, orders } from "../../db/schema.ts";
import type { LineRow, StoredOrder } from "../../store.ts";
import type { SagaContext } from "../context.ts";

/** Where a crash is simulated in this step. */
export const points = ["after-create"] as const;

/** A priced order, ready to be written: the cart's lines and totals, the address, the payment method. */
export type OrderDraft = { order: PgInsertValue<typeof orders>; lines: LineRow[] };

/**
 * Writes the pending order and its lines in one statement, which also claims the idempotency key: the
 * saga's first step, with nothing to undo (an order is never deleted; the steps after it end it
 * cancelled or failed). Null when an order with the same key exists already (a replay, or a
 * concurrent request that won the insert): then nothing is written.
 */
export async function createOrder(saga: SagaContext, draft: OrderDraft): Promise<StoredOrder | null> {
  const ex = saga.db.primary;
  const placed = ex.$with("placed").as(
    ex
      .insert(orders)
      .values(draft.order)
      .onConflictDoNothing({ target: [orders.userId, orders.idempotencyKey] })
      .returning(),
  );
  const [row] = await ex
    .with(placed, insertWhen(ex, "placed_lines", orderLines, draft.lines, placed))
    .select()
    .from(placed);
  if (!row) return null;
  await saga.faults("after-create");
  return { ...row, lines: draft.lines };
}
