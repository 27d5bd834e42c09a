import { and, asc, eq, sql } from "drizzle-orm";
import type { Product, ProductApi } from "../../../contracts/product.ts";
import type { Database } from "../../../platform/db/port.ts";
import type { CatalogCache } from "../cache/catalog-cache.ts";
import { categories, products } from "../db/schema.ts";
import { productErrors } from "../domain/product.errors.ts";
import { listProducts } from "./listing.ts";
import { loadProduct } from "./rows.ts";

/**
 * What shoppers read: listings, product pages and categories, each answered from the catalog cache;
 * a product page then gets its units left from the stock cache (`withCurrentStock`). Misses read the
 * primary, so a lagging replica is never written into the cache.
 */
export function catalogReads(
  db: Database,
  cache: CatalogCache,
  withCurrentStock: (product: Product) => Promise<Product>,
) {
  return {
    list: (input) => cache.read(`list:${JSON.stringify(input)}`, () => listProducts(db.primary, input)),

    get: async (input) =>
      withCurrentStock(
        await cache.read(`get:${JSON.stringify(input)}`, async () => {
          const by = "id" in input ? eq(products.id, input.id) : eq(products.slug, input.slug);
          const product = await loadProduct(db.primary, and(by, eq(products.status, "active"))!);
          if (!product) throw productErrors.notFound();
          return product;
        }),
      ),

    categories: () =>
      cache.read("categories", () =>
        db.primary
          .select({
            id: categories.id,
            slug: categories.slug,
            name: categories.name,
            productCount:
              sql<number>`count(${products.id}) filter (where ${products.status} = 'active')`.mapWith(Number),
          })
          .from(categories)
          .leftJoin(products, eq(products.categoryId, categories.id))
          .groupBy(categories.id)
          .orderBy(asc(categories.position), asc(categories.name)),
      ),
  } satisfies Pick<ProductApi, "list" | "get" | "categories">;
}
