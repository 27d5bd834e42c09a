import type { LeftOutLine } from "../../../contracts/cart.ts";
import { type VariantInfo, variantDisplayName } from "../../../contracts/product.ts";

export type HeldLine = { variantId: string; quantity: number };
export type GuestLine = HeldLine & { addedAt: Date };

/** What a merge writes: units added to a line of the customer's cart (created if missing). */
export type MergeAddition = { variantId: string; add: number; stock: number; addedAt: Date };

/**
 * Moves a guest's lines into a customer's cart under the rules `addItem` enforces: one currency per
 * cart (the customer's, else the guest's first line's), at most `maxLines` lines, never more than the
 * stock, nothing that is no longer sold. Whatever does not fit is reported, never dropped silently.
 * @example planMerge({ held: [], guest, variants, maxLines: 100 }) // { additions, leftOut }
 */
export function planMerge({
  held,
  guest,
  variants,
  maxLines,
}: {
  held: readonly HeldLine[];
  guest: readonly GuestLine[];
  variants: ReadonlyMap<string, VariantInfo>;
  maxLines: number;
}): { additions: MergeAddition[]; leftOut: LeftOutLine[] } {
  const quantities = new Map(held.map((l) => [l.variantId, l.quantity]));
  let currency =
    held.map((l) => variants.get(l.variantId)?.price.currency).find((c) => c !== undefined) ?? null;
  const additions: MergeAddition[] = [];
  const leftOut: LeftOutLine[] = [];

  const ordered = [...guest].sort((a, b) => a.addedAt.getTime() - b.addedAt.getTime());
  for (const line of ordered) {
    const v = variants.get(line.variantId);
    const skip = (reason: LeftOutLine["reason"], message: string, kept = 0) =>
      leftOut.push({
        variantId: line.variantId,
        title: v ? variantDisplayName(v) : null,
        quantity: line.quantity,
        kept,
        reason,
        message,
      });
    if (!v) {
      skip("gone", "an item in your guest cart no longer exists");
      continue;
    }
    const name = variantDisplayName(v);
    if (!v.purchasable) {
      skip("not_for_sale", `${name} is no longer sold`);
      continue;
    }
    if (currency && v.price.currency !== currency) {
      skip("other_currency", `${name} is priced in ${v.price.currency} and your cart is in ${currency}`);
      continue;
    }
    const current = quantities.get(v.id) ?? 0;
    if (current === 0 && quantities.size >= maxLines) {
      skip("cart_full", `your cart holds at most ${maxLines} different items; ${name} did not fit`);
      continue;
    }
    const add = Math.max(0, Math.min(line.quantity, v.stock - current));
    if (add < line.quantity) {
      const message =
        v.stock === 0
          ? `${name} is sold out`
          : `only ${v.stock} of ${name} left; your cart has ${current + add}`;
      skip(v.stock === 0 ? "sold_out" : "not_enough_stock", message, add);
    }
    if (add === 0) continue;
    currency ??= v.price.currency;
    quantities.set(v.id, current + add);
    additions.push({ variantId: v.id, add, stock: v.stock, addedAt: line.addedAt });
  }
  return { additions, leftOut };
}
