/**
 * The stock invariant, checked around every run: for each variant, units on the shelf + units held
 * by open reservations + units sold (committed) = what was stocked. Nothing in a run restocks, so
 * that sum must be the same after the run as before it, and no stock may be negative.
 */

/** One row per variant: its stock and what it was stocked with. */
export const STOCKED_SQL = `
  select v.id, v.stock,
         v.stock + coalesce(sum(r.quantity) filter (where r.status in ('held', 'committed')), 0)::int as stocked,
         coalesce(sum(r.quantity) filter (where r.status = 'held'), 0)::int as held,
         coalesce(sum(r.quantity) filter (where r.status = 'committed'), 0)::int as sold
  from product.variants v left join product.reservations r on r.variant_id = v.id
  group by v.id`;

export type StockRow = { id: string; stock: number; stocked: number; held: number; sold: number };

export type InvariantResult = {
  ok: boolean;
  variants: number;
  held: number;
  sold: number;
  /** Variants whose stock + held + sold changed during the run, or went negative. */
  broken: { id: string; before: number; after: number; stock: number }[];
};

export function compareStock(before: StockRow[], after: StockRow[]): InvariantResult {
  const was = new Map(before.map((r) => [r.id, Number(r.stocked)]));
  const broken = after
    .filter((r) => Number(r.stock) < 0 || (was.has(r.id) && was.get(r.id) !== Number(r.stocked)))
    .map((r) => ({
      id: r.id,
      before: was.get(r.id) ?? Number.NaN,
      after: Number(r.stocked),
      stock: Number(r.stock),
    }));
  const sum = (rows: StockRow[], key: "held" | "sold") => rows.reduce((s, r) => s + Number(r[key]), 0);
  const soldDuring = sum(after, "sold") - sum(before, "sold");
  return {
    ok: broken.length === 0,
    variants: after.length,
    held: sum(after, "held"),
    sold: soldDuring,
    broken: broken.slice(0, 5),
  };
}
