import type { ProductApi, VariantInfo } from "../../../contracts/product.ts";
import { withNearCopies } from "../../../platform/cache/near-copies.ts";
import type { Cache } from "../../../platform/cache/port.ts";
import { cachedVariants } from "./cached-variants.ts";
import { catalogCache } from "./catalog-cache.ts";
import { stockCache } from "./stock-cache.ts";
import { writesSeen } from "./versions.ts";

/** Something the caches do not hold: the product service is asked instead. */
class NotCached extends Error {}
const notCached = async (): Promise<never> => {
  throw new NotCached();
};

/**
 * `cachedVariants` for a process that does not host the product service (ADR 175): the same read of
 * the same caches the product service answers it from (the catalog's variant facts and each
 * product's stock levels, keyed by the versions every write replaces, near copies kept in this
 * process), so it is exactly as fresh, a caller's own writes included. When anything asked for is
 * not cached it asks the product service, which reads the database and fills the caches: this
 * reader never writes them.
 * @example const product = { ...remoteProduct, cachedVariants: cachedVariantsReader(cache, remoteProduct) };
 */
export function cachedVariantsReader(
  cache: Cache,
  product: Pick<ProductApi, "cachedVariants">,
): ProductApi["cachedVariants"] {
  const writes = writesSeen(cache);
  const versioned = withNearCopies(cache);
  // The TTLs are the writer's business: nothing is stored from here.
  const read = cachedVariants(
    catalogCache(versioned, 1, writes),
    stockCache(versioned, 1, notCached, writes),
    notCached,
  );
  return async (ids: readonly string[]): Promise<VariantInfo[]> => {
    try {
      return await read(ids);
    } catch (error) {
      if (error instanceof NotCached) return product.cachedVariants(ids);
      throw error;
    }
  };
}
