import superjson, { type SuperJSONResult } from "superjson";
import type { Product } from "../../../contracts/product.ts";

/**
 * For the HTTP response cache: a stored `product.get` answer (superjson-encoded, as the routers send
 * it) with the units left now, so a product page is served from the cache through sales.
 */
export const freshenStoredPage =
  (withCurrentStock: (product: Product, minLsn?: string) => Promise<Product>) =>
  async (data: unknown, minLsn?: string): Promise<unknown> =>
    superjson.serialize(
      await withCurrentStock(superjson.deserialize<Product>(data as SuperJSONResult), minLsn),
    );
