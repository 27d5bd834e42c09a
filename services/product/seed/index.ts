import type { ProductApi } from "../../../contracts/product.ts";
import { CreateProductInput } from "../../../contracts/product.ts";
import { seedCategories, seedProducts } from "./catalog.ts";

/**
 * Fills an empty catalog with the demo shop, through the service's own API (so the same rules and
 * events apply): the service itself (`bun start`) or its staff procedures over HTTP (the bench on the
 * cluster). Does nothing when any category exists. Returns how many products it created.
 */
export async function seedCatalog(
  product: Pick<ProductApi, "categories" | "createCategory" | "create">,
): Promise<number> {
  if ((await product.categories()).length > 0) return 0;
  for (const [position, category] of seedCategories.entries())
    await product.createCategory({ ...category, position });
  for (const input of seedProducts) await product.create(CreateProductInput.parse(input));
  return seedProducts.length;
}
