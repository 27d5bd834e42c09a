import type { Tx } from "../../../platform/db/port.ts";
import type { ServicePorts } from "../../../platform/service.ts";
import { outbox } from "../db/schema.ts";
import type { CatalogCache } from "./catalog-cache.ts";

/** How product writes commit, and what each kind makes the catalog cache forget once committed. */
export function writePolicy(ports: Pick<ServicePorts, "db" | "eventsCommitted">, cache: CatalogCache) {
  return {
    /** A staff change to the catalog, with its events: every catalog answer is stale afterwards. */
    async catalogWrite<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
      const result = await ports.db.primary.transaction(work);
      await cache.invalidate();
      ports.eventsCommitted(outbox);
      return result;
    },

    /** A stock movement: no domain event, but listings and product pages must show it at once. */
    async stockWrite<T>(work: (tx: Tx) => Promise<T>): Promise<T> {
      const result = await ports.db.primary.transaction(work);
      await cache.invalidate();
      return result;
    },
  };
}

export type WritePolicy = ReturnType<typeof writePolicy>;
