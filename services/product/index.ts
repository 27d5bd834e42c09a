import type { ProductApi } from "../../contracts/product.ts";
import { migrationsOf, type ServicePorts } from "../../platform/service.ts";
import { catalogCache } from "./cache/catalog-cache.ts";
import { writePolicy } from "./cache/policy.ts";
import { catalogReads } from "./catalog/reads.ts";
import { catalogWrites } from "./catalog/writes.ts";
import { reservationsOf } from "./inventory/reservations.ts";
import { stockLevels } from "./inventory/stock.ts";

export const productModule = migrationsOf("product", import.meta.dir);
export { catalogGeneration } from "./cache/catalog-cache.ts";
export { outbox as productOutbox } from "./db/schema.ts";

/** The product service from its ports: the catalog (reads and staff writes), stock and reservations. */
export function createProductService(ports: ServicePorts, options: { cacheTtlMs: number }): ProductApi {
  const cache = catalogCache(ports.cache, options.cacheTtlMs);
  const policy = writePolicy(ports, cache);
  return {
    ...catalogReads(ports.db, cache),
    ...catalogWrites(ports.clock, policy),
    ...stockLevels(ports.db, ports.clock, policy),
    ...reservationsOf(ports.db, policy),
  };
}
