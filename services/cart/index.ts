import { sha256 } from "@oslojs/crypto/sha2";
import { encodeBase32LowerCaseNoPadding, encodeHexLowerCase } from "@oslojs/encoding";
import { and, asc, eq, isNull, sql } from "drizzle-orm";
import type { Cart, CartApi, CartOwner } from "../../contracts/cart.ts";
import { DomainError } from "../../contracts/errors.ts";
import { multiply } from "../../contracts/money.ts";
import { type ProductApi, type VariantInfo, variantDisplayName } from "../../contracts/product.ts";
import { deleteOlderThan } from "../../platform/db/older-than.ts";
import type { Executor } from "../../platform/db/port.ts";
import { newId } from "../../platform/ids.ts";
import type { ServicePorts } from "../../platform/service.ts";
import { carts, lines, removedPurchases } from "./db/schema.ts";
import { planMerge } from "./domain/merge.ts";
import { priceLines, type TaxRates } from "./domain/pricing.ts";

export const MAX_LINES = 100;

type StoredLine = typeof lines.$inferSelect;

export type CartOptions = { taxRates: TaxRates; defaultCountry: string };

const hashToken = (token: string) => encodeHexLowerCase(sha256(new TextEncoder().encode(token)));
const mintToken = () => encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(20)));

const variantGone = () =>
  new DomainError("NOT_FOUND", "CART.VARIANT_NOT_FOUND", "that product variant does not exist");
const notInCart = () =>
  new DomainError("NOT_FOUND", "CART.LINE_NOT_FOUND", "that variant is not in the cart");

/**
 * The cart service: the API routers and the order saga call (prices come from the product service on
 * every read; the client never sends one), and the housekeeping its module schedules.
 */
export type CartService = {
  api: CartApi;
  /** Deletes guest carts untouched for longer than `olderThanMs` (by database time); returns how many. */
  sweepAbandoned(olderThanMs: number): Promise<number>;
  /** Forgets which orders' purchases were removed from carts, after `olderThanMs`; returns how many. */
  pruneRemovedPurchases(olderThanMs: number): Promise<number>;
};

export function createCartService(
  ports: ServicePorts,
  deps: { product: Pick<ProductApi, "variants"> },
  options: CartOptions,
): CartService {
  const { db, clock } = ports;

  /** Who owns the cart, as a condition on `carts`; null for a guest without a token (no cart yet). */
  const ownedBy = (owner: CartOwner) =>
    "userId" in owner
      ? eq(carts.userId, owner.userId)
      : owner.token
        ? eq(carts.tokenHash, hashToken(owner.token))
        : null;

  /** The owner's cart and its lines in display order, in one statement; `cartId` is null without a cart. */
  async function readCart(owner: CartOwner): Promise<{ cartId: string | null; lines: StoredLine[] }> {
    const owned = ownedBy(owner);
    if (!owned) return { cartId: null, lines: [] };
    const rows = await db.primary
      .select({ cartId: carts.id, line: lines })
      .from(carts)
      .leftJoin(lines, eq(lines.cartId, carts.id))
      .where(owned)
      .orderBy(asc(lines.addedAt), asc(lines.variantId));
    return { cartId: rows[0]?.cartId ?? null, lines: rows.flatMap((r) => (r.line ? [r.line] : [])) };
  }

  async function findCartId(ex: Executor, owner: CartOwner): Promise<string | null> {
    if ("userId" in owner) {
      const [row] = await ex.select({ id: carts.id }).from(carts).where(eq(carts.userId, owner.userId));
      return row?.id ?? null;
    }
    if (!owner.token) return null;
    const [row] = await ex
      .select({ id: carts.id })
      .from(carts)
      .where(eq(carts.tokenHash, hashToken(owner.token)));
    return row?.id ?? null;
  }

  /** The owner's cart, created on first use; a guest without a (known) token gets a new one. */
  async function ensureCart(owner: CartOwner): Promise<{ cartId: string; owner: CartOwner }> {
    const existing = await findCartId(db.primary, owner);
    if (existing) return { cartId: existing, owner };
    const now = clock.now();
    if ("userId" in owner) {
      const [row] = await db.primary
        .insert(carts)
        .values({ id: newId(), userId: owner.userId, createdAt: now, updatedAt: now })
        .onConflictDoUpdate({ target: carts.userId, set: { updatedAt: now } })
        .returning({ id: carts.id });
      return { cartId: row!.id, owner };
    }
    const token = mintToken();
    const id = newId();
    await db.primary
      .insert(carts)
      .values({ id, tokenHash: hashToken(token), createdAt: now, updatedAt: now });
    return { cartId: id, owner: { token } };
  }

  async function view(
    owner: CartOwner,
    cartId: string | null,
    opts: { country?: string; shippingOptionId?: string } = {},
  ): Promise<Cart> {
    const rows = cartId
      ? await db.primary
          .select()
          .from(lines)
          .where(eq(lines.cartId, cartId))
          .orderBy(asc(lines.addedAt), asc(lines.variantId))
      : [];
    return priced(owner, rows, opts);
  }

  /** The cart as the API shows it: its lines priced as the product service reads now, and totals. */
  async function priced(
    owner: CartOwner,
    rows: readonly StoredLine[],
    opts: { country?: string; shippingOptionId?: string } = {},
  ): Promise<Cart> {
    const info = new Map((await deps.product.variants(rows.map((r) => r.variantId))).map((v) => [v.id, v]));
    const priced = rows.flatMap((row) => {
      const v = info.get(row.variantId);
      if (!v) return [];
      return [
        {
          variantId: v.id,
          productId: v.productId,
          title: v.title,
          variantTitle: v.variantTitle,
          sku: v.sku,
          image: v.image,
          quantity: row.quantity,
          unitPrice: v.price,
          lineTotal: multiply(v.price, row.quantity),
          available: v.purchasable ? v.stock : 0,
        },
      ];
    });
    const country = opts.country ?? options.defaultCountry;
    const totals = priceLines(priced, {
      // An empty cart is priced in the shop's first currency; a cart never holds two (addItem, merge).
      currency: priced[0]?.unitPrice.currency ?? "EUR",
      country,
      taxRates: options.taxRates,
      ...(opts.shippingOptionId && { shippingOptionId: opts.shippingOptionId }),
    });
    return {
      token: "token" in owner ? owner.token : null,
      lines: priced,
      itemCount: priced.reduce((n, l) => n + l.quantity, 0),
      country,
      ...totals,
    };
  }

  /** Refuses a wanted quantity the variant, as it is now, cannot supply (or a second currency). */
  function checkPurchasable(
    v: VariantInfo | undefined,
    wanted: number,
    cartCurrency: string | null,
  ): asserts v {
    if (!v) throw variantGone();
    if (!v.purchasable)
      throw new DomainError("BAD_REQUEST", "CART.NOT_FOR_SALE", `${variantDisplayName(v)} is no longer sold`);
    if (wanted > v.stock) {
      throw new DomainError(
        "BAD_REQUEST",
        "CART.NOT_ENOUGH_STOCK",
        v.stock === 0
          ? `${variantDisplayName(v)} is sold out`
          : `only ${v.stock} of ${variantDisplayName(v)} left`,
        { available: v.stock },
      );
    }
    if (cartCurrency && v.price.currency !== cartCurrency) {
      throw new DomainError("BAD_REQUEST", "CART.CURRENCY_MISMATCH", `this cart is in ${cartCurrency}`);
    }
  }

  const quantityIn = async (cartId: string, variantId: string) => {
    const [row] = await db.primary
      .select({ quantity: lines.quantity })
      .from(lines)
      .where(and(eq(lines.cartId, cartId), eq(lines.variantId, variantId)));
    return row?.quantity ?? 0;
  };

  const touch = (cartId: string) =>
    db.primary.update(carts).set({ updatedAt: clock.now() }).where(eq(carts.id, cartId));

  const api: CartApi = {
    async get(owner, opts) {
      return priced(owner, (await readCart(owner)).lines, opts);
    },

    async addItem(owner, { variantId, quantity }) {
      const cart = await ensureCart(owner);
      const held = await db.primary
        .select({ variantId: lines.variantId, quantity: lines.quantity })
        .from(lines)
        .where(eq(lines.cartId, cart.cartId));
      const current = held.find((l) => l.variantId === variantId)?.quantity ?? 0;
      if (current === 0 && held.length >= MAX_LINES) {
        throw new DomainError(
          "BAD_REQUEST",
          "CART.TOO_MANY_LINES",
          `a cart holds at most ${MAX_LINES} different items`,
        );
      }
      // One read answers both: the variant's stock, and (through any other line) the cart's currency.
      const other = held.find((l) => l.variantId !== variantId)?.variantId;
      const found = await deps.product.variants(other ? [variantId, other] : [variantId]);
      const cartCurrency = found.find((v) => v.id === other)?.price.currency ?? null;
      checkPurchasable(
        found.find((v) => v.id === variantId),
        current + quantity,
        cartCurrency,
      );
      await db.primary
        .insert(lines)
        .values({ cartId: cart.cartId, variantId, quantity, addedAt: clock.now() })
        .onConflictDoUpdate({
          target: [lines.cartId, lines.variantId],
          set: { quantity: sql`${lines.quantity} + excluded.quantity` },
        });
      await touch(cart.cartId);
      return view(cart.owner, cart.cartId);
    },

    async setQuantity(owner, { variantId, quantity }) {
      const cartId = await findCartId(db.primary, owner);
      if (!cartId || (await quantityIn(cartId, variantId)) === 0) throw notInCart();
      checkPurchasable((await deps.product.variants([variantId]))[0], quantity, null);
      await db.primary
        .update(lines)
        .set({ quantity })
        .where(and(eq(lines.cartId, cartId), eq(lines.variantId, variantId)));
      await touch(cartId);
      return view(owner, cartId);
    },

    async removeItem(owner, variantId) {
      const cartId = await findCartId(db.primary, owner);
      const removed = cartId
        ? await db.primary
            .delete(lines)
            .where(and(eq(lines.cartId, cartId), eq(lines.variantId, variantId)))
            .returning()
        : [];
      if (removed.length === 0) throw notInCart();
      return view(owner, cartId);
    },

    async clear(owner) {
      const cartId = await findCartId(db.primary, owner);
      if (cartId) await db.primary.delete(lines).where(eq(lines.cartId, cartId));
      return view(owner, cartId);
    },

    async merge(guestToken, userId) {
      const guestId = await findCartId(db.primary, { token: guestToken });
      if (!guestId) return null;
      const { cartId } = await ensureCart({ userId });
      const [guest, held] = await Promise.all([
        db.primary.select().from(lines).where(eq(lines.cartId, guestId)),
        db.primary.select().from(lines).where(eq(lines.cartId, cartId)),
      ]);
      const variants = new Map(
        (await deps.product.variants([...new Set([...guest, ...held].map((l) => l.variantId))])).map((v) => [
          v.id,
          v,
        ]),
      );
      const { additions, leftOut } = planMerge({ held, guest, variants, maxLines: MAX_LINES });
      await db.primary.transaction(async (tx) => {
        for (const line of additions) {
          await tx
            .insert(lines)
            .values({ cartId, variantId: line.variantId, quantity: line.add, addedAt: line.addedAt })
            .onConflictDoUpdate({
              target: [lines.cartId, lines.variantId],
              // The cap again, in case the line grew since it was read.
              set: { quantity: sql`least(${lines.quantity} + excluded.quantity, ${line.stock}::int)` },
            });
        }
        await tx.delete(carts).where(eq(carts.id, guestId));
      });
      if (additions.length) await touch(cartId);
      return { merged: additions.length, leftOut };
    },

    async removePurchased(userId, { orderId, lines: bought }) {
      // One statement: claiming the order id and changing the lines commit together, so a repeat (a
      // recovery after a crash) finds the claim and changes nothing.
      await db.primary.execute(sql`
        with claimed as (
          insert into ${removedPurchases} (order_id) values (${orderId}) on conflict do nothing returning order_id
        ), cart as (
          select c.id from ${carts} c, claimed where c.user_id = ${userId}
        ), bought as (
          select * from unnest(${sql.param(bought.map((l) => l.variantId))}::uuid[], ${sql.param(bought.map((l) => l.quantity))}::int[]) as b(variant_id, quantity)
        ), gone as (
          delete from ${lines} l using cart, bought b
          where l.cart_id = cart.id and l.variant_id = b.variant_id and l.quantity <= b.quantity
          returning 1
        ), fewer as (
          update ${lines} l set quantity = l.quantity - b.quantity from cart, bought b
          where l.cart_id = cart.id and l.variant_id = b.variant_id and l.quantity > b.quantity
          returning 1
        )
        select 1`);
    },
  };

  return {
    api,
    sweepAbandoned: (olderThanMs) =>
      deleteOlderThan(db, carts, carts.updatedAt, olderThanMs, isNull(carts.userId)),
    pruneRemovedPurchases: (olderThanMs) =>
      deleteOlderThan(db, removedPurchases, removedPurchases.removedAt, olderThanMs),
  };
}
