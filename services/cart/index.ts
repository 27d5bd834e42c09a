import { encodeBase32LowerCaseNoPadding } from "@oslojs/encoding";
import { eq, isNull, sql } from "drizzle-orm";
import type { Cart, CartApi, CartOwner } from "../../contracts/cart.ts";
import { DomainError } from "../../contracts/errors.ts";
import { multiply } from "../../contracts/money.ts";
import { type ProductApi, type VariantInfo, variantDisplayName } from "../../contracts/product.ts";
import { builtOnce } from "../../platform/db/built-once.ts";
import { deleteOlderThan } from "../../platform/db/older-than.ts";
import { newId } from "../../platform/ids.ts";
import type { ServicePorts } from "../../platform/service.ts";
import { carts, lines, removedPurchases } from "./db/schema.ts";
import { planMerge } from "./domain/merge.ts";
import { priceLines, type TaxRates } from "./domain/pricing.ts";
import { heldCarts, unheldCarts } from "./held-carts.ts";
import { type CartTarget, cartStore, type StoredLine } from "./store.ts";

export const MAX_LINES = 100;

export type CartOptions = { taxRates: TaxRates; defaultCountry: string };

const mintToken = () => encodeBase32LowerCaseNoPadding(crypto.getRandomValues(new Uint8Array(20)));

const variantGone = () =>
  new DomainError("NOT_FOUND", "CART.VARIANT_NOT_FOUND", "that product variant does not exist");
const notInCart = () =>
  new DomainError("NOT_FOUND", "CART.LINE_NOT_FOUND", "that variant is not in the cart");
const tooManyLines = () =>
  new DomainError("BAD_REQUEST", "CART.TOO_MANY_LINES", `a cart holds at most ${MAX_LINES} different items`);

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

type ViewOptions = { country?: string; shippingOptionId?: string; fresh?: boolean };

/**
 * Each call costs at most two statements of the cart's own (ADR 146): a read of the cart with its lines,
 * and a write that returns the lines it leaves (nothing is read back). Prices and stock come from the
 * product service's caches, as its product pages show them; the checkout asks for them `fresh`.
 */
export function createCartService(
  ports: ServicePorts,
  deps: { product: Pick<ProductApi, "variants" | "cachedVariants"> },
  options: CartOptions,
): CartService {
  const { db, clock } = ports;
  // The sole process holds carts in memory; in the cluster, every instance reads (ADR 187).
  const store = (ports.sole ? heldCarts : unheldCarts)(cartStore(db.primary));
  // One statement, built once (ADR 178): claiming the order id and changing the lines commit
  // together, so a repeat (a recovery after a crash) finds the claim and changes nothing.
  const removePurchase = builtOnce(
    db.primary,
    sql`
      with claimed as (
        insert into ${removedPurchases} (order_id) values (${sql.placeholder("orderId")}) on conflict do nothing returning order_id
      ), cart as (
        select c.id from ${carts} c, claimed where c.user_id = ${sql.placeholder("userId")}
      ), bought as (
        select * from unnest(${sql.placeholder("variantIds")}::uuid[], ${sql.placeholder("quantities")}::int[]) as b(variant_id, quantity)
      ), gone as (
        delete from ${lines} l using cart, bought b
        where l.cart_id = cart.id and l.variant_id = b.variant_id and l.quantity <= b.quantity
        returning 1
      ), fewer as (
        update ${lines} l set quantity = l.quantity - b.quantity from cart, bought b
        where l.cart_id = cart.id and l.variant_id = b.variant_id and l.quantity > b.quantity
        returning 1
      )
      select 1`,
  );

  const byId = (found: readonly VariantInfo[]) => new Map(found.map((v) => [v.id, v]));

  /** The cart as the API shows it: its lines priced with what `known` says of their variants, and totals. */
  async function view(
    owner: CartOwner,
    rows: readonly StoredLine[],
    opts: ViewOptions = {},
    known: ReadonlyMap<string, VariantInfo> = new Map(),
  ): Promise<Cart> {
    const unknown = rows.map((r) => r.variantId).filter((id) => !known.has(id));
    const info =
      unknown.length === 0
        ? known
        : new Map([
            ...known,
            ...byId(
              await (opts.fresh ? deps.product.variants(unknown) : deps.product.cachedVariants(unknown)),
            ),
          ]);
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

  /** Moves a guest cart's lines into the user's cart (made if missing) and deletes the guest cart. */
  async function mergeInto(userId: string, guest: { cartId: string; lines: StoredLine[] }) {
    const now = clock.now();
    const [mine] = await db.primary
      .insert(carts)
      .values({ id: newId(), userId, createdAt: now, updatedAt: now })
      .onConflictDoUpdate({ target: carts.userId, set: { updatedAt: now } })
      .returning({ id: carts.id });
    const cartId = mine!.id;
    const held = (await store.read({ userId })).lines;
    const variants = byId(
      await deps.product.variants([...new Set([...guest.lines, ...held].map((l) => l.variantId))]),
    );
    const { additions, leftOut } = planMerge({ held, guest: guest.lines, variants, maxLines: MAX_LINES });
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
      await tx.delete(carts).where(eq(carts.id, guest.cartId));
    });
    return { merged: additions.length, leftOut };
  }

  /** Where an added line goes: the user's cart, the guest's cart, or a new guest cart with a new token. */
  const targetFor = (owner: CartOwner, cartId: string | null): CartTarget =>
    "userId" in owner
      ? { userId: owner.userId }
      : cartId && owner.token
        ? { cartId, token: owner.token }
        : { newGuestToken: mintToken() };

  const api: CartApi = {
    async get(owner, opts) {
      return view(owner, (await store.read(owner)).lines, opts);
    },

    async addItem(owner, { variantId, quantity }) {
      const { cartId, lines: held } = await store.read(owner);
      const current = held.find((l) => l.variantId === variantId)?.quantity ?? 0;
      if (current === 0 && held.length >= MAX_LINES) throw tooManyLines();
      // One read for the checks and the answer: the variant added, and those of the lines held.
      const info = byId(await deps.product.cachedVariants([variantId, ...held.map((l) => l.variantId)]));
      const other = held.find((l) => l.variantId !== variantId && info.has(l.variantId));
      const cartCurrency = other ? info.get(other.variantId)!.price.currency : null;
      checkPurchasable(info.get(variantId), current + quantity, cartCurrency);
      const line = { variantId, quantity, now: clock.now() };
      let target = targetFor(owner, cartId);
      let rows = await store.addToLine(target, line);
      if (!rows) {
        // The guest cart was deleted since it was read (swept, merged at a sign-in): start a new one.
        target = targetFor({ token: null }, null);
        rows = (await store.addToLine(target, line))!;
      }
      const answeredTo = "newGuestToken" in target ? { token: target.newGuestToken } : owner;
      return view(answeredTo, rows, {}, info);
    },

    async setQuantity(owner, { variantId, quantity }) {
      const [variant] = await deps.product.cachedVariants([variantId]);
      try {
        checkPurchasable(variant, quantity, null);
      } catch (error) {
        // Not in the cart is the answer first, whatever else is wrong with the request.
        const { lines: held } = await store.read(owner);
        if (!held.some((l) => l.variantId === variantId)) throw notInCart();
        throw error;
      }
      const { changed, lines: rows } = await store.setQuantity(owner, {
        variantId,
        quantity,
        now: clock.now(),
      });
      if (!changed) throw notInCart();
      return view(owner, rows, {}, byId([variant]));
    },

    async removeItem(owner, variantId) {
      const { removed, lines: rows } = await store.removeLine(owner, variantId);
      if (!removed) throw notInCart();
      return view(owner, rows);
    },

    async clear(owner) {
      await store.empty(owner);
      return view(owner, []);
    },

    async merge(guestToken, userId) {
      const { cartId, lines: guestLines } = await store.read({ token: guestToken });
      if (!cartId) return null;
      return store.changing([{ token: guestToken }, { userId }], () =>
        mergeInto(userId, { cartId, lines: guestLines }),
      );
    },

    async removePurchased(userId, { orderId, lines: bought }) {
      await store.changing([{ userId }], () =>
        removePurchase({
          orderId,
          userId,
          variantIds: bought.map((l) => l.variantId),
          quantities: bought.map((l) => l.quantity),
        }),
      );
    },
  };

  return {
    api,
    sweepAbandoned: (olderThanMs) =>
      store.changingAny(() => deleteOlderThan(db, carts, carts.updatedAt, olderThanMs, isNull(carts.userId))),
    pruneRemovedPurchases: (olderThanMs) =>
      deleteOlderThan(db, removedPurchases, removedPurchases.removedAt, olderThanMs),
  };
}
