import type { PgInsertValue } from "drizzle-orm/pg-core";
import { uniqueViolation } from "../../../../platform/db/unique-violation.ts";
import { orderLines, orders } from "../../db/schema.ts";
import type { LineRow, StoredOrder } from "../../store.ts";
import type { SagaContext } from "../context.ts";

/** Where a crash is simulated in this step. */
export const points = ["after-create"] as const;

/** A priced order, ready to be written: the cart's lines and totals, the address, the payment method. */
export type OrderDraft = { order: PgInsertValue<typeof orders>; lines: LineRow[] };

/**
 * Writes the pending order and its lines in one transaction: the saga's first step, with nothing to
 * undo (an order is never deleted; the steps after it end it cancelled or failed). Null when another
 * request with the same idempotency key won the insert.
 */
export async function createOrder(saga: SagaContext, draft: OrderDraft): Promise<StoredOrder | null> {
  let created: StoredOrder;
  try {
    created = await saga.db.primary.transaction(async (tx) => {
      const [row] = await tx.insert(orders).values(draft.order).returning();
      await tx.insert(orderLines).values(draft.lines);
      return { ...row!, lines: draft.lines };
    });
  } catch (error) {
    if (uniqueViolation(error) === "orders_idempotency") return null;
    throw error;
  }
  await saga.faults("after-create");
  return created;
}
