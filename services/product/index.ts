import type { ProductApi } from "../../contracts/product.ts";
import { withNearCopies } from "../../platform/cache/near-copies.ts";
import type { ServicePorts } from "../../platform/service.ts";
import { cachedVariants } from "./cache/cached-variants.ts";
import { catalogCache } from "./cache/catalog-cache.ts";
import { writePolicy } from "./cache/policy.ts";
import { stockCache } from "./cache/stock-cache.ts";
import type { StockedPage } from "./cache/stored-pages.ts";
import { writesSeen } from "./cache/versions.ts";
import { catalogReads } from "./catalog/reads.ts";
import { catalogWrites } from "./catalog/writes.ts";
import { withStockLevels } from "./domain/catalog.ts";
import { reservationsOf } from "./inventory/reservations.ts";
import { stockLevels, stockLevelsOf } from "./inventory/stock.ts";

export { outbox as productOutbox } from "./db/schema.ts";

/**
 * The product service from its ports: the catalog (reads and staff writes), stock and reservations;
 * `withCurrentStock`, which gives a cached product page the units left now; and the catalog's
 * `generation`, which keys the HTTP response cache too.
 */
export function createProductService(ports: ServicePorts, options: { cacheTtlMs: number }) {
  const writes = writesSeen(ports.cache);
  // Every catalog and stock entry is keyed by the version it holds: this process may keep copies.
  const versioned = withNearCopies(ports.cache);
  const catalog = catalogCache(versioned, options.cacheTtlMs, writes);
  const stock = stockCache(
    versioned,
    options.cacheTtlMs,
    (ids) => stockLevelsOf(ports.db.primary, ids),
    writes,
  );
  const policy = writePolicy(ports, { catalog, stock });
  const stockConflicts = ports.metrics.counter({
    name: "fastr_stock_conflicts_total",
    help: "Stock takes (reserving or re-taking units) that found too few units left and were refused",
  });
  stockConflicts.inc({}, 0);
  const withCurrentStock = async <P extends StockedPage>(page: P, minLsn?: string) =>
    withStockLevels(page, await stock.levels(page.id, minLsn));

  const levels = stockLevels(ports.db, ports.clock, policy);
  const api: ProductApi = {
    ...catalogReads(ports.db, catalog, withCurrentStock),
    ...catalogWrites(ports.clock, policy),
    ...levels,
    cachedVariants: cachedVariants(catalog, stock, levels.variants),
    ...reservationsOf(ports.db, policy, { onShortage: () => stockConflicts.inc({}) }),
  };
  return { api, withCurrentStock, stockVersion: stock.version, generation: catalog.generation };
}
