import { z } from "zod";
import { Id, MinorUnits, wholeNumber } from "../../../contracts/common.ts";
import { cursorCodec } from "../../../contracts/cursor.ts";
import { DomainError } from "../../../contracts/errors.ts";
import type { ProductSort } from "../../../contracts/product.ts";
import { DEFAULT_VARIANT_TITLE } from "../../../contracts/product.ts";

/** `Linen Shirt — Navy!` → `linen-shirt-navy`. */
export function slugify(title: string): string {
  const slug = title
    .normalize("NFKD")
    .replace(/[\u0300-\u036f]/g, "")
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, "-")
    .replace(/^-+|-+$/g, "")
    .slice(0, 100)
    .replace(/-+$/, "");
  return slug || "product";
}

/** A variant's display title from its option values in option order: `M / Navy`; `Default` without options. */
export function variantTitle(options: readonly { name: string }[], values: Record<string, string>): string {
  const parts = options.map((o) => values[o.name]).filter(Boolean);
  return parts.length ? parts.join(" / ") : DEFAULT_VARIANT_TITLE;
}

/** What a listing shows without reading the variants: the lowest price and whether anything is in stock. */
export function listingFacts(variants: readonly { price: number; currency: string; stock: number }[]) {
  if (variants.length === 0) throw new Error("a product has at least one variant");
  return {
    priceFrom: Math.min(...variants.map((v) => v.price)),
    currency: variants[0]!.currency,
    inStock: variants.some((v) => v.stock > 0),
  };
}

/** Without a search query "relevance" means nothing; newest first is the shop default. */
export function effectiveSort(sort: ProductSort | undefined, q: string | undefined): ProductSort {
  if (q) return sort ?? "relevance";
  return !sort || sort === "relevance" ? "newest" : sort;
}

/**
 * Keyset cursors for the ordered sorts (the last row's sort key and id); an offset for relevance,
 * whose float rank does not survive a round trip. Encoded as base64url JSON.
 */
const ListCursor = z.discriminatedUnion("sort", [
  z.strictObject({ sort: z.literal("newest"), key: z.iso.datetime(), id: Id }),
  z.strictObject({ sort: z.literal(["price_asc", "price_desc"]), key: MinorUnits, id: Id }),
  z.strictObject({ sort: z.literal("relevance"), offset: wholeNumber(0) }),
]);
export type ListCursor = z.infer<typeof ListCursor>;

const cursors = cursorCodec(ListCursor, () => badCursor());

export const encodeCursor = (cursor: ListCursor): string => cursors.encode(cursor);

/** The cursor a listing with this sort issued; anything else (another sort's, a forged one) is BAD_REQUEST. */
export function decodeCursor(raw: string, sort: ProductSort): ListCursor {
  const cursor = cursors.decode(raw);
  if (cursor.sort !== sort) throw badCursor();
  return cursor;
}

const badCursor = () =>
  new DomainError(
    "BAD_REQUEST",
    "PRODUCT.BAD_CURSOR",
    "cursor does not belong to this listing; start again without one",
  );

/**
 * A product page with the units left now: the catalog's copy of the page (cached through sales) with
 * each variant's stock replaced by its current level, and `inStock` derived from them as a listing's.
 */
export function withStockLevels<
  P extends { inStock: boolean; variants: readonly { id: string; stock: number }[] },
>(product: P, levels: Readonly<Record<string, number>>): P {
  const variants = product.variants.map((v) => ({ ...v, stock: levels[v.id] ?? v.stock }));
  return { ...product, variants, inStock: variants.some((v) => v.stock > 0) };
}
