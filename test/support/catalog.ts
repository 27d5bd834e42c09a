import type { CreateProductInput } from "../../contracts/product.ts";
import type { FastrClient } from "../../routers/client.ts";

/** Anything that can sign in a staff member: the embedded test shop or the test cluster. */
type WithStaff = { staff(): Promise<{ client: FastrClient }> };

let counter = 0;

/** A staff-made product with one variant per entry of `stocks`, for tests that buy things. */
export async function stockedProduct(shop: WithStaff, stocks: number[], price = 2500) {
  const staff = (await shop.staff()).client;
  const slug = `test-goods-${++counter}-${Date.now().toString(36)}`;
  await staff.product.createCategory.mutate({ slug, name: "Test goods" });
  const sizes = stocks.map((_, i) => `S${i}`);
  const input: CreateProductInput = {
    title: `Test Product ${counter}`,
    category: slug,
    options: stocks.length > 1 ? [{ name: "Size", values: sizes }] : [],
    variants: stocks.map((stock, i) => ({
      sku: `${slug}-${i}`.toUpperCase(),
      options: (stocks.length > 1 ? { Size: sizes[i]! } : {}) as Record<string, string>,
      price: { amount: price + i * 100, currency: "EUR" },
      stock,
    })),
  };
  const product = await staff.product.create.mutate(input);
  return { product, variantIds: product.variants.map((v) => v.id), staff };
}
