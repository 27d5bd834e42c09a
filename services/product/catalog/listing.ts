import { and, asc, desc, eq, gte, lte, type SQL, sql } from "drizzle-orm";
import type { ListProductsInput, ProductSummary } from "../../../contracts/product.ts";
import type { Executor } from "../../../platform/db/port.ts";
import { categories, products } from "../db/schema.ts";
import { decodeCursor, effectiveSort, encodeCursor } from "../domain/catalog.ts";
import { summaryColumns, toSummary } from "./rows.ts";
import { textSearch } from "./search.ts";

export type ProductPage = { items: ProductSummary[]; nextCursor: string | null };

/**
 * One page of active products: filtered by category, price and search text, in the asked order, after
 * the cursor (keyset for the ordered sorts, an offset for relevance).
 */
export async function listProducts(ex: Executor, input: ListProductsInput): Promise<ProductPage> {
  const sort = effectiveSort(input.sort, input.q);
  const cursor = input.cursor ? decodeCursor(input.cursor, sort) : undefined;
  const search = input.q ? textSearch(input.q) : null;
  if (input.q && !search) return { items: [], nextCursor: null };

  const where: (SQL | undefined)[] = [eq(products.status, "active")];
  if (input.category) where.push(eq(categories.slug, input.category));
  if (input.minPrice !== undefined) where.push(gte(products.priceFrom, input.minPrice));
  if (input.maxPrice !== undefined) where.push(lte(products.priceFrom, input.maxPrice));
  if (search) where.push(search.matches);
  if (cursor && cursor.sort !== "relevance") {
    const after = {
      newest: sql`(${products.createdAt}, ${products.id}) < (${cursor.key}::timestamptz, ${cursor.id}::uuid)`,
      price_asc: sql`(${products.priceFrom}, ${products.id}) > (${cursor.key}::int, ${cursor.id}::uuid)`,
      price_desc: sql`(${products.priceFrom}, ${products.id}) < (${cursor.key}::int, ${cursor.id}::uuid)`,
    }[cursor.sort];
    where.push(after);
  }
  const order = {
    newest: [desc(products.createdAt), desc(products.id)],
    price_asc: [asc(products.priceFrom), asc(products.id)],
    price_desc: [desc(products.priceFrom), desc(products.id)],
    relevance: [desc(search?.rank ?? sql`0`), desc(products.id)],
  }[sort];
  const offset = cursor?.sort === "relevance" ? cursor.offset : 0;

  const rows = await ex
    .select(summaryColumns)
    .from(products)
    .innerJoin(categories, eq(categories.id, products.categoryId))
    .where(and(...where))
    .orderBy(...order)
    .limit(input.limit + 1)
    .offset(offset);
  const page = rows.slice(0, input.limit);
  const last = page.at(-1);
  const nextCursor =
    rows.length > input.limit && last
      ? encodeCursor(
          sort === "relevance"
            ? { sort, offset: offset + input.limit }
            : sort === "newest"
              ? { sort, id: last.id, key: last.createdAt.toISOString() }
              : { sort, id: last.id, key: last.priceFrom },
        )
      : null;
  return { items: page.map(toSummary), nextCursor };
}
