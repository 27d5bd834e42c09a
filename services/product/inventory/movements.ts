import { eq, sql } from "drizzle-orm";
import { builtOnceFor } from "../../../platform/db/built-once.ts";
import type { Tx } from "../../../platform/db/port.ts";
import { products, reservations, variants } from "../db/schema.ts";
import { productErrors } from "../domain/product.errors.ts";

export type StockLine = { variantId: string; quantity: number };

/**
 * What a transaction's stock movements did to the catalog, gathered for the cache policy: the
 * products whose stock levels moved, and those whose `inStock` flipped (the only stock fact a
 * listing shows).
 */
export type StockEffect = { moved: Set<string>; flipped: Set<string> };
export const noStockEffect = (): StockEffect => ({ moved: new Set(), flipped: new Set() });

type Taken = { id: string; product_id: string; stock: number };

/** The statements below are built once (ADR 178): `ids` and `quantities` are a movement's lines, in order. */
const value = sql.placeholder;
const linesOf = (lines: readonly StockLine[]) => ({
  ids: lines.map((l) => l.variantId),
  quantities: lines.map((l) => l.quantity),
});

/**
 * Row locks on these variants, taken in id order before the statement that names it as `locked`
 * changes any of them. Every stock movement locks this way, so two movements sharing variants
 * queue behind each other and never deadlock; left to the plan, rows are locked in the order the
 * join meets them (often their order on disk), and Postgres answers a deadlock with an error.
 */
const lockedVariants = sql`locked as materialized (
    select id from ${variants} where id = any(${value("ids")}::uuid[]) order by id for no key update)`;

/**
 * Takes units out of stock, all lines in one statement: each row only if enough is left. A line that
 * is short (or whose product was archived) fails the whole transaction with a readable CONFLICT.
 */
export async function takeStock(tx: Tx, lines: readonly StockLine[], effect: StockEffect) {
  await tookStock(tx, lines, await take(tx, linesOf(lines)), effect);
}
const take = builtOnceFor<Taken>(sql`
  with ${lockedVariants}
  update ${variants} v set stock = v.stock - d.q
  from unnest(${value("ids")}::uuid[], ${value("quantities")}::int[]) as d(id, q)
    join locked on locked.id = d.id
  where v.id = d.id and v.stock >= d.q
    and exists (select 1 from ${products} p where p.id = v.product_id and p.status = 'active')
  returning v.id, v.product_id, v.stock`);

/**
 * Holds an order's units: records the reservation of each line and takes its units out of stock, in
 * one statement (ADR 145). A line is taken only if its reservation is new and enough is left, so a
 * repeat takes nothing twice and a short line fails the whole transaction with a readable CONFLICT.
 * False when the order held its units already.
 */
export async function holdStock(
  tx: Tx,
  orderId: string,
  lines: readonly StockLine[],
  ttlMs: number,
  effect: StockEffect,
): Promise<boolean> {
  const [result] = await hold(tx, { ...linesOf(lines), orderId, ttlSeconds: ttlMs / 1000 });
  if (!result || result.held === 0) return false;
  await tookStock(tx, lines, result.taken, effect);
  return true;
}
const hold = builtOnceFor<{ held: number; taken: Taken[] }>(sql`
  with ${lockedVariants}, held as (
    insert into ${reservations} (order_id, variant_id, quantity, status, expires_at)
    select ${value("orderId")}, d.id, d.q, 'held', now() + make_interval(secs => ${value("ttlSeconds")})
    from unnest(${value("ids")}::uuid[], ${value("quantities")}::int[]) as d(id, q)
    on conflict do nothing
    returning variant_id, quantity
  ), taken as (
    update ${variants} v set stock = v.stock - h.quantity
    from held h join locked on locked.id = h.variant_id
    where v.id = h.variant_id and v.stock >= h.quantity
      and exists (select 1 from ${products} p where p.id = v.product_id and p.status = 'active')
    returning v.id, v.product_id, v.stock
  )
  select (select count(*) from held)::int as held,
    coalesce((select json_agg(taken) from taken), '[]'::json) as taken`);

/** After a take: a short line fails the transaction; otherwise the catalog hears what moved and flipped. */
async function tookStock(tx: Tx, lines: readonly StockLine[], taken: readonly Taken[], effect: StockEffect) {
  if (taken.length < lines.length) {
    const short = lines.find((l) => !taken.some((t) => t.id === l.variantId))!;
    const [line] = await tx
      .select({
        title: products.title,
        variantTitle: variants.title,
        stock: variants.stock,
        status: products.status,
      })
      .from(variants)
      .innerJoin(products, eq(products.id, variants.productId))
      .where(eq(variants.id, short.variantId));
    throw productErrors.outOfStock(short.variantId, line);
  }
  for (const t of taken) effect.moved.add(t.product_id);
  // Only a variant that just ran out can change its product's listing.
  await refreshInStock(
    tx,
    taken.filter((t) => t.stock === 0).map((t) => t.product_id),
    effect,
  );
}

/** Puts units back on the shelf (lines may repeat a variant). */
export async function giveBackStock(tx: Tx, lines: readonly StockLine[], effect: StockEffect) {
  if (lines.length === 0) return;
  const restocked = await giveBack(tx, linesOf(lines));
  for (const r of restocked) effect.moved.add(r.product_id);
  // Only a variant that was sold out can change its product's listing.
  await refreshInStock(
    tx,
    restocked.filter((r) => r.stock === r.q).map((r) => r.product_id),
    effect,
  );
}

const giveBack = builtOnceFor<{ product_id: string; stock: number; q: number }>(sql`
  with ${lockedVariants}
  update ${variants} v set stock = v.stock + d.q
  from (select id, sum(q)::int as q from unnest(${value("ids")}::uuid[], ${value("quantities")}::int[]) as u(id, q) group by id) d
    join locked on locked.id = d.id
  where v.id = d.id
  returning v.product_id, v.stock, d.q`);

/** Re-derives `inStock` of these products and records the ones whose value actually changed. */
async function refreshInStock(tx: Tx, productIds: readonly string[], effect: StockEffect) {
  if (productIds.length === 0) return;
  // Locked in id order too, after the variants, as every stock movement does.
  const flipped = await flipInStock(tx, { productIds: [...new Set(productIds)] });
  for (const { id } of flipped) effect.flipped.add(id);
}
const flipInStock = builtOnceFor<{ id: string }>(sql`
  with locked as materialized (
    select id from ${products} where id = any(${value("productIds")}::uuid[]) order by id for no key update)
  update ${products} p set in_stock = not p.in_stock
  from locked
  where p.id = locked.id
    and p.in_stock <> exists (select 1 from ${variants} v where v.product_id = p.id and v.stock > 0)
  returning p.id`);
