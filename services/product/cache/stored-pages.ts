import superjson, { type SuperJSONResult } from "superjson";
import type { Freshen } from "../../../platform/http/response-cache.ts";

/** What a page needs for its units left to be brought up to date (a `Product`, or its JSON encoding). */
export type StockedPage = {
  id: string;
  inStock: boolean;
  variants: readonly { id: string; stock: number }[];
};

/**
 * For the HTTP response cache: a stored `product.get` answer (superjson-encoded, as the routers send
 * it) with the units left now, so a product page is served from the cache through sales. Units and
 * `inStock` are plain JSON in the encoding, so they are replaced right there and everything else (the
 * annotations of its dates included) passes on as stored: no decoding and re-encoding of the page.
 */
export const freshenStoredPage = (
  withCurrentStock: <P extends StockedPage>(page: P, minLsn?: string) => Promise<P>,
  stockVersion: (productId: string, minLsn?: string) => string | Promise<string>,
): Freshen => ({
  // While the product's stock version stays, the page brought up to date last time is served as it was.
  version: (data, minLsn) => stockVersion((data as { json: StockedPage }).json.id, minLsn),
  async apply(data, minLsn) {
    const encoded = data as SuperJSONResult & { json: StockedPage };
    // Shared references would be restored from one place only: take the long way for those.
    if (encoded.meta?.referentialEqualities)
      return superjson.serialize(await withCurrentStock(superjson.deserialize<StockedPage>(encoded), minLsn));
    return { ...encoded, json: await withCurrentStock(encoded.json, minLsn) };
  },
});
