import { type SQL, sql } from "drizzle-orm";
import type { CartOwner } from "../../contracts/cart.ts";
import { builtOnce } from "../../platform/db/built-once.ts";
import type { Executor } from "../../platform/db/port.ts";
import { newId } from "../../platform/ids.ts";
import { sha256Hex } from "../../platform/sha256.ts";
import { carts, lines } from "./db/schema.ts";

export type StoredLine = typeof lines.$inferSelect;
/** An owner's cart and its lines in display order; `cartId` is null when the owner has no cart. */
export type StoredCart = { cartId: string | null; lines: StoredLine[] };

/**
 * Where a line is written: the user's cart (made on first use), a guest's known cart (by id; the
 * token owning it names it for held carts), or a new guest cart.
 */
export type CartTarget = { userId: string } | { cartId: string; token: string } | { newGuestToken: string };

const value = sql.placeholder;

/** A cart's lines as the statements below return them, in display order. */
const lineColumns = sql.raw(
  `cart_id as "cartId", variant_id as "variantId", quantity, added_at as "addedAt"`,
);
const inDisplayOrder = sql.raw(`order by "addedAt", "variantId"`);
/** A line as a raw statement returns it: its time as the driver sends it. */
type RawLine = Omit<StoredLine, "addedAt"> & { addedAt: string };
const toLine = (row: RawLine): StoredLine => ({
  ...row,
  addedAt: lines.addedAt.mapFromDriverValue(row.addedAt) as Date,
});

/** Who owns the cart, as the `owner` value of a statement made for that kind; null for a guest without a token. */
const ownerOf = (owner: CartOwner): { byUser: boolean; owner: string } | null =>
  "userId" in owner
    ? { byUser: true, owner: owner.userId }
    : owner.token
      ? { byUser: false, owner: sha256Hex(owner.token) }
      : null;

/**
 * The cart's statements, each one round trip (ADR 146) and each built once (ADR 178): a read of the
 * owner's cart with its lines, and writes that change a line, touch the cart and return all its
 * lines as they are after the write (the others as the statement saw them), so nothing is read back.
 */
export function cartStore(ex: Executor) {
  /** One statement per kind of owner: `owned` is its condition on `carts`, on the `owner` value. */
  const perOwner = <Row>(statement: (owned: SQL) => SQL) => {
    const byUser = builtOnce<Row>(ex, statement(sql`${carts.userId} = ${value("owner")}`));
    const byToken = builtOnce<Row>(ex, statement(sql`${carts.tokenHash} = ${value("owner")}`));
    return (owner: { byUser: boolean; owner: string }, values: Record<string, unknown> = {}) =>
      (owner.byUser ? byUser : byToken)({ ...values, owner: owner.owner });
  };

  const readCart = perOwner<{ cartId: string } & { [K in keyof RawLine]: RawLine[K] | null }>(
    (owned) => sql`
      select ${carts.id} as "cartId", ${lines.variantId} as "variantId", ${lines.quantity} as quantity,
        ${lines.addedAt} as "addedAt"
      from ${carts} left join ${lines} on ${lines.cartId} = ${carts.id}
      where ${owned}
      order by ${lines.addedAt}, ${lines.variantId}`,
  );

  /** Adds to a line of the cart `cartRow` (a CTE body returning the cart's `id`) and returns all lines. */
  const addTo = (cartRow: SQL) =>
    builtOnce<RawLine>(
      ex,
      sql`
        with cart as (${cartRow}), line as (
          insert into ${lines} (cart_id, variant_id, quantity, added_at)
          select id, ${value("variantId")}::uuid, ${value("quantity")}::int, ${value("now")}::timestamptz from cart
          on conflict (cart_id, variant_id) do update set quantity = ${lines.quantity} + excluded.quantity
          returning *
        )
        select ${lineColumns} from line
        union all
        select ${lineColumns} from ${lines} where cart_id = (select id from cart) and variant_id <> ${value("variantId")}
        ${inDisplayOrder}`,
    );
  const addToUsersCart = addTo(sql`insert into ${carts} (id, user_id, created_at, updated_at)
    values (${value("newCartId")}, ${value("userId")}, ${value("now")}, ${value("now")})
    on conflict (user_id) do update set updated_at = excluded.updated_at returning id`);
  const addToGuestCart = addTo(
    sql`update ${carts} set updated_at = ${value("now")} where id = ${value("cartId")} returning id`,
  );
  const addToNewGuestCart = addTo(sql`insert into ${carts} (id, token_hash, created_at, updated_at)
    values (${value("newCartId")}, ${value("tokenHash")}, ${value("now")}, ${value("now")}) returning id`);

  const setLineQuantity = perOwner<RawLine & { changed: boolean }>(
    (owned) => sql`
      with cart as (select id from ${carts} where ${owned}), line as (
        update ${lines} set quantity = ${value("quantity")}
        where cart_id = (select id from cart) and variant_id = ${value("variantId")}
        returning *
      ), touched as (
        update ${carts} set updated_at = ${value("now")} where id in (select cart_id from line)
      )
      select ${lineColumns}, true as changed from line
      union all
      select ${lineColumns}, false from ${lines} where cart_id = (select id from cart) and variant_id <> ${value("variantId")}
      ${inDisplayOrder}`,
  );

  const removeVariant = perOwner<RawLine & { removed: boolean }>(
    (owned) => sql`
      with cart as (select id from ${carts} where ${owned}), gone as (
        delete from ${lines} where cart_id = (select id from cart) and variant_id = ${value("variantId")}
        returning 1
      )
      select ${lineColumns}, false as removed from ${lines}
      where cart_id = (select id from cart) and variant_id <> ${value("variantId")}
      union all
      select null, null, null, null, true from gone
      ${inDisplayOrder}`,
  );

  const emptyCart = perOwner(
    (owned) => sql`delete from ${lines} where cart_id = (select id from ${carts} where ${owned})`,
  );

  return {
    /** The owner's cart and its lines in display order, in one statement; `cartId` is null without a cart. */
    async read(owner: CartOwner): Promise<StoredCart> {
      const key = ownerOf(owner);
      if (!key) return { cartId: null, lines: [] };
      const rows = await readCart(key);
      return {
        cartId: rows[0]?.cartId ?? null,
        lines: rows.flatMap((r) =>
          r.variantId === null
            ? []
            : [
                toLine({
                  cartId: r.cartId,
                  variantId: r.variantId,
                  quantity: r.quantity!,
                  addedAt: r.addedAt!,
                }),
              ],
        ),
      };
    },

    /**
     * Adds `quantity` to the cart's line of the variant (made if missing), touching the cart; returns
     * the cart's lines after it, or null when a guest cart named by id is gone.
     */
    async addToLine(
      target: CartTarget,
      { variantId, quantity, now }: { variantId: string; quantity: number; now: Date },
    ): Promise<StoredLine[] | null> {
      const line = { variantId, quantity, now: now.toISOString() };
      const rows =
        "userId" in target
          ? await addToUsersCart({ ...line, newCartId: newId(), userId: target.userId })
          : "cartId" in target
            ? await addToGuestCart({ ...line, cartId: target.cartId })
            : await addToNewGuestCart({
                ...line,
                newCartId: newId(),
                tokenHash: sha256Hex(target.newGuestToken),
              });
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
      const key = ownerOf(owner);
      if (!key) return { changed: false, lines: [] };
      const rows = await setLineQuantity(key, { variantId, quantity, now: now.toISOString() });
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
      const key = ownerOf(owner);
      if (!key) return { removed: false, lines: [] };
      const rows = await removeVariant(key, { variantId });
      return {
        removed: rows.some((r) => r.removed),
        lines: rows.flatMap(({ removed, ...line }) => (removed ? [] : [toLine(line)])),
      };
    },

    /** Empties the owner's cart. */
    async empty(owner: CartOwner): Promise<void> {
      const key = ownerOf(owner);
      if (key) await emptyCart(key);
    },
  };
}
export type CartStore = ReturnType<typeof cartStore>;
