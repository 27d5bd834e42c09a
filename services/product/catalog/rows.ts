import { asc, eq, type SQL } from "drizzle-orm";
import { money } from "../../../contracts/money.ts";
import type { Product, ProductSummary, Variant } from "../../../contracts/product.ts";
import type { Executor } from "../../../platform/db/port.ts";
import { categories, products, variants } from "../db/schema.ts";

/** The columns a listing reads: the product's own listing facts and its category. */
export const summaryColumns = {
  id: products.id,
  slug: products.slug,
  title: products.title,
  image: products.image,
  priceFrom: products.priceFrom,
  currency: products.currency,
  inStock: products.inStock,
  createdAt: products.createdAt,
  categorySlug: categories.slug,
  categoryName: categories.name,
};
type SummaryRow = { [K in keyof typeof summaryColumns]: (typeof summaryColumns)[K]["_"]["data"] };

export const toSummary = (r: SummaryRow): ProductSummary => ({
  id: r.id,
  slug: r.slug,
  title: r.title,
  category: { slug: r.categorySlug, name: r.categoryName },
  image: r.image,
  priceFrom: money(r.priceFrom, r.currency),
  inStock: r.inStock,
});

export const toVariant = (v: typeof variants.$inferSelect): Variant => ({
  id: v.id,
  sku: v.sku,
  title: v.title,
  options: v.options,
  price: money(v.price, v.currency),
  stock: v.stock,
});

/** One product with its category and variants in display order, or null. */
export async function loadProduct(ex: Executor, where: SQL): Promise<Product | null> {
  const [row] = await ex
    .select({ product: products, category: categories })
    .from(products)
    .innerJoin(categories, eq(categories.id, products.categoryId))
    .where(where);
  if (!row) return null;
  const rows = await ex
    .select()
    .from(variants)
    .where(eq(variants.productId, row.product.id))
    .orderBy(asc(variants.position));
  const p = row.product;
  return {
    ...toSummary({ ...p, categorySlug: row.category.slug, categoryName: row.category.name }),
    description: p.description,
    options: p.options,
    variants: rows.map(toVariant),
    status: p.status,
    createdAt: p.createdAt,
  };
}
