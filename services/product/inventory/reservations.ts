import { and, eq, lt, sql } from "drizzle-orm";
import { DomainError } from "../../../contracts/errors.ts";
import type { ProductApi, ReservationState } from "../../../contracts/product.ts";
import { builtOnceFor } from "../../../platform/db/built-once.ts";
import type { Database } from "../../../platform/db/port.ts";
import type { WritePolicy } from "../cache/policy.ts";
import { reservations } from "../db/schema.ts";
import { productErrors } from "../domain/product.errors.ts";
import { giveBackStock, holdStock, takeStock } from "./movements.ts";

const value = sql.placeholder;
/** The statements of one order's reservation, built once (ADR 178). */
const commit = builtOnceFor<{ variantId: string; quantity: number; was: ReservationState }>(sql`
  update ${reservations} r set status = 'committed'
  from (select variant_id, status from ${reservations} where order_id = ${value("orderId")} for update) was
  where r.order_id = ${value("orderId")} and r.variant_id = was.variant_id
  returning r.variant_id as "variantId", r.quantity, was.status as was`);
const release = builtOnceFor<{ variantId: string; quantity: number }>(sql`
  update ${reservations} set status = 'released'
  where ${reservations.orderId} = ${value("orderId")} and ${reservations.status} <> 'released'
  returning ${reservations.variantId} as "variantId", ${reservations.quantity} as quantity`);

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
          await holdStock(tx, orderId, lines, ttlMs, effect);
        })
        .catch(counted),

    commitReservation: (orderId) =>
      policy
        .stockWrite(async (tx, effect) => {
          // One statement: every line committed, each with the status it had (read under its row lock).
          const rows = await commit(tx, { orderId });
          if (rows.length === 0) throw productErrors.noReservation();
          // A reservation that expired gave its units back; sell them only if they are still there.
          const lapsed = rows.filter((r) => r.was === "released");
          if (lapsed.length) await takeStock(tx, lapsed, effect);
        })
        .catch(counted),

    releaseReservation: (orderId) =>
      policy.stockWrite(async (tx, effect) => {
        await giveBackStock(tx, await release(tx, { orderId }), effect);
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
