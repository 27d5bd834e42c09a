import { and, eq, lt, ne, sql } from "drizzle-orm";
import { DomainError } from "../../../contracts/errors.ts";
import type { ProductApi } from "../../../contracts/product.ts";
import { fromNow } from "../../../platform/db/older-than.ts";
import type { Database } from "../../../platform/db/port.ts";
import type { WritePolicy } from "../cache/policy.ts";
import { reservations } from "../db/schema.ts";
import { productErrors } from "../domain/product.errors.ts";
import { giveBackStock, takeStock } from "./movements.ts";

/**
 * Stock held for an order's checkout: taken at once, sold on commit, given back on release or when
 * the hold expires. Every call is idempotent per order, as the order saga retries.
 */
export function reservationsOf(
  db: Database,
  policy: WritePolicy,
  { onShortage }: { onShortage: () => void },
) {
  /** Counts a take refused for too few units left, then lets the refusal through. */
  const counted = (error: unknown): never => {
    if (error instanceof DomainError && error.code === "PRODUCT.OUT_OF_STOCK") onShortage();
    throw error;
  };
  return {
    reserve: (orderId, lines, ttlMs) =>
      policy
        .stockWrite(async (tx, effect) => {
          const claimed = await tx
            .insert(reservations)
            .values(
              lines.map((l) => ({
                orderId,
                variantId: l.variantId,
                quantity: l.quantity,
                status: "held" as const,
                expiresAt: fromNow(ttlMs),
              })),
            )
            .onConflictDoNothing()
            .returning({ variantId: reservations.variantId });
          if (claimed.length === 0) return; // this order already holds its stock
          await takeStock(tx, lines, effect);
        })
        .catch(counted),

    commitReservation: (orderId) =>
      policy
        .stockWrite(async (tx, effect) => {
          const rows = await tx
            .select()
            .from(reservations)
            .where(eq(reservations.orderId, orderId))
            .for("update");
          if (rows.length === 0) throw productErrors.noReservation();
          const lapsed = rows.filter((r) => r.status === "released");
          // A reservation that expired gave its units back; sell them only if they are still there.
          if (lapsed.length) await takeStock(tx, lapsed, effect);
          await tx
            .update(reservations)
            .set({ status: "committed" })
            .where(and(eq(reservations.orderId, orderId), ne(reservations.status, "committed")));
        })
        .catch(counted),

    releaseReservation: (orderId) =>
      policy.stockWrite(async (tx, effect) => {
        const released = await tx
          .update(reservations)
          .set({ status: "released" })
          .where(and(eq(reservations.orderId, orderId), ne(reservations.status, "released")))
          .returning({ variantId: reservations.variantId, quantity: reservations.quantity });
        await giveBackStock(tx, released, effect);
      }),

    async reservationState(orderId) {
      const rows = await db.primary
        .select({ status: reservations.status })
        .from(reservations)
        .where(eq(reservations.orderId, orderId));
      return rows[0]?.status ?? "none";
    },

    releaseExpiredReservations: () =>
      policy.stockWrite(async (tx, effect) => {
        const released = await tx
          .update(reservations)
          .set({ status: "released" })
          .where(and(eq(reservations.status, "held"), lt(reservations.expiresAt, sql`now()`)))
          .returning({
            orderId: reservations.orderId,
            variantId: reservations.variantId,
            quantity: reservations.quantity,
          });
        await giveBackStock(tx, released, effect);
        return new Set(released.map((r) => r.orderId)).size;
      }),
  } satisfies Pick<
    ProductApi,
    "reserve" | "commitReservation" | "releaseReservation" | "reservationState" | "releaseExpiredReservations"
  >;
}
