import { asc, eq, type SQL, sql } from "drizzle-orm";
import type { CartOwner } from "../../contracts/cart.ts";
import { type Executor, rowsOf } from "../../platform/db/port.ts";
import { newId } from "../../platform/ids.ts";
import { sha256Hex } from "../../platform/sha256.ts";
import { carts, lines } from "./db/schema.ts";

export type StoredLine = typeof lines.$inferSelect;

/** Who owns the cart, as a condition on `carts`; null for a guest without a token (no cart yet). */
const ownedBy = (owner: CartOwner): SQL | null =>
  "userId" in owner
    ? eq(carts.userId, owner.userId)
    : owner.token
      ? eq(carts.tokenHash, sha256Hex(owner.token))
      : null;

/** Where a line is written: the user's cart (made on first use), a guest's known cart, or a new guest cart. */
export type CartTarget = { userId: string } | { cartId: string } | { newGuestToken: string };

/** A cart's lines as the statements below return them, in display order. */
const lineColumns = sql.raw(
  `cart_id as "cartId", variant_id as "variantId", quantity, added_at as "addedAt"`,
);
const inDisplayOrder = sql.raw(`order by "addedAt", "variantId"`);
/** A line as a raw statement returns it: its time as the driver sends it (drizzle maps it for selects). */
type RawLine = Omit<StoredLine, "addedAt"> & { addedAt: string };
const toLine = (row: RawLine): StoredLine => ({
  ...row,
  addedAt: lines.addedAt.mapFromDriverValue(row.addedAt) as Date,
});

/**
 * The cart's statements, each one round trip (ADR 146): a read of the owner's cart with its lines, and
 * writes that change a line, touch the cart and return all its lines as they are after the write (the
 * others as the statement saw them), so nothing is read back.
 */
export function cartStore(ex: Executor) {
  /** The row of `carts` a write goes to, as a CTE body returning its `id` (and touching it). */
  function cartRow(target: CartTarget, now: string): SQL {
    if ("userId" in target)
      return sql`insert into ${carts} (id, user_id, created_at, updated_at)
        values (${newId()}, ${target.userId}, ${now}, ${now})
        on conflict (user_id) do update set updated_at = excluded.updated_at returning id`;
    if ("cartId" in target)
      return sql`update ${carts} set updated_at = ${now} where id = ${target.cartId} returning id`;
    return sql`insert into ${carts} (id, token_hash, created_at, updated_at)
      values (${newId()}, ${sha256Hex(target.newGuestToken)}, ${now}, ${now}) returning id`;
  }

  return {
    /** The owner's cart and its lines in display order, in one statement; `cartId` is null without a cart. */
    async read(owner: CartOwner): Promise<{ cartId: string | null; lines: StoredLine[] }> {
      const owned = ownedBy(owner);
      if (!owned) return { cartId: null, lines: [] };
      const rows = await ex
        .select({ cartId: carts.id, line: lines })
        .from(carts)
        .leftJoin(lines, eq(lines.cartId, carts.id))
        .where(owned)
        .orderBy(asc(lines.addedAt), asc(lines.variantId));
      return { cartId: rows[0]?.cartId ?? null, lines: rows.flatMap((r) => (r.line ? [r.line] : [])) };
    },

    /**
     * Adds `quantity` to the cart's line of the variant (made if missing), touching the cart; returns
     * the cart's lines after it, or null when a guest cart named by id is gone.
     */
    async addToLine(
      target: CartTarget,
      { variantId, quantity, now }: { variantId: string; quantity: number; now: Date },
    ): Promise<StoredLine[] | null> {
      const at = now.toISOString();
      const rows = rowsOf<RawLine>(
        await ex.execute(sql`
          with cart as (${cartRow(target, at)}), line as (
            insert into ${lines} (cart_id, variant_id, quantity, added_at)
            select id, ${variantId}::uuid, ${quantity}::int, ${at}::timestamptz from cart
            on conflict (cart_id, variant_id) do update set quantity = ${lines.quantity} + excluded.quantity
            returning *
          )
          select ${lineColumns} from line
          union all
          select ${lineColumns} from ${lines} where cart_id = (select id from cart) and variant_id <> ${variantId}
          ${inDisplayOrder}`),
      );
      return rows.length === 0 ? null : rows.map(toLine);
    },

    /**
     * Sets the quantity of a line the owner's cart has, touching the cart; returns whether it had the
     * line, and the cart's lines after.
     */
    async setQuantity(
      owner: CartOwner,
      { variantId, quantity, now }: { variantId: string; quantity: number; now: Date },
    ): Promise<{ changed: boolean; lines: StoredLine[] }> {
      const owned = ownedBy(owner);
      if (!owned) return { changed: false, lines: [] };
      const rows = rowsOf<RawLine & { changed: boolean }>(
        await ex.execute(sql`
          with cart as (select id from ${carts} where ${owned}), line as (
            update ${lines} set quantity = ${quantity}
            where cart_id = (select id from cart) and variant_id = ${variantId}
            returning *
          ), touched as (
            update ${carts} set updated_at = ${now.toISOString()} where id in (select cart_id from line)
          )
          select ${lineColumns}, true as changed from line
          union all
          select ${lineColumns}, false from ${lines} where cart_id = (select id from cart) and variant_id <> ${variantId}
          ${inDisplayOrder}`),
      );
      return {
        changed: rows.some((r) => r.changed),
        lines: rows.map(({ changed: _, ...line }) => toLine(line)),
      };
    },

    /** Removes the variant's line from the owner's cart; returns whether it was there, and the lines left. */
    async removeLine(
      owner: CartOwner,
      variantId: string,
    ): Promise<{ removed: boolean; lines: StoredLine[] }> {
      const owned = ownedBy(owner);
      if (!owned) return { removed: false, lines: [] };
      const rows = rowsOf<RawLine & { removed: boolean }>(
        await ex.execute(sql`
          with cart as (select id from ${carts} where ${owned}), gone as (
            delete from ${lines} where cart_id = (select id from cart) and variant_id = ${variantId}
            returning 1
          )
          select ${lineColumns}, false as removed from ${lines}
          where cart_id = (select id from cart) and variant_id <> ${variantId}
          union all
          select null, null, null, null, true from gone
          ${inDisplayOrder}`),
      );
      return {
        removed: rows.some((r) => r.removed),
        lines: rows.flatMap(({ removed, ...line }) => (removed ? [] : [toLine(line)])),
      };
    },

    /** Empties the owner's cart. */
    async empty(owner: CartOwner): Promise<void> {
      const owned = ownedBy(owner);
      if (!owned) return;
      await ex.execute(sql`delete from ${lines} where cart_id = (select id from ${carts} where ${owned})`);
    },
  };
}
export type CartStore = ReturnType<typeof cartStore>;
