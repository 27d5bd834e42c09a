import { and, desc, eq, lt } from "drizzle-orm";
import { wholeNumber } from "../../contracts/common.ts";
import { cursorCodec } from "../../contracts/cursor.ts";
import type { OrderApi } from "../../contracts/order.ts";
import type { Database } from "../../platform/db/port.ts";
import { orders } from "./db/schema.ts";
import { orderErrors } from "./domain/order.errors.ts";
import { findOrder, toOrder, withLines } from "./store.ts";

/** Keyset cursor: the number of the last order on the page (newest first). */
const cursors = cursorCodec(wholeNumber(1), orderErrors.badCursor);

/**
 * What the order service answers without changing anything. Reads go to the replica: the caller's own
 * writes are there already (read-your-writes by LSN).
 */
export function orderQueries(db: Database): Pick<OrderApi, "get" | "list" | "listAll"> {
  async function page(where: ReturnType<typeof and>, input: { cursor?: string | undefined; limit: number }) {
    const before = input.cursor ? cursors.decode(input.cursor) : undefined;
    const reader = db.replica;
    const rows = await reader
      .select()
      .from(orders)
      .where(and(where, before === undefined ? undefined : lt(orders.number, before)))
      .orderBy(desc(orders.number))
      .limit(input.limit + 1);
    const items = (await withLines(reader, rows.slice(0, input.limit))).map(toOrder);
    return { items, nextCursor: rows.length > input.limit ? cursors.encode(items.at(-1)!.number) : null };
  }

  return {
    async get(userId, orderId) {
      const reader = db.replica;
      const row = await findOrder(reader, orderId);
      if (!row || row.userId !== userId) throw orderErrors.notFound();
      return toOrder((await withLines(reader, [row]))[0]!);
    },
    list: (userId, input) => page(eq(orders.userId, userId), input),
    listAll: (input) => page(input.status ? eq(orders.status, input.status) : undefined, input),
  };
}
