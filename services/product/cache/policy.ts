import type { Tx } from "../../../platform/db/port.ts";
import type { ServicePorts } from "../../../platform/service.ts";
import { outbox } from "../db/schema.ts";
import { noStockEffect, type StockEffect } from "../inventory/movements.ts";
import type { CatalogCache } from "./catalog-cache.ts";
import type { StockCache } from "./stock-cache.ts";

/**
 * How product writes commit, and what each kind makes the caches forget once committed (ADR 110):
 * a product whose stock moved gets a new stock version (its page's units left); the catalog's
 * generation (every listing and page) changes only when what they show changes: a staff edit, or a
 * product's `inStock` flipping. Sales that leave a product in stock cost the catalog cache nothing.
 */
export function writePolicy(
  ports: Pick<ServicePorts, "db" | "eventsCommitted">,
  caches: { catalog: CatalogCache; stock: StockCache },
) {
  async function commit<T>(work: (tx: Tx, effect: StockEffect) => Promise<T>) {
    let effect = noStockEffect();
    const result = await ports.db.primary.transaction((tx) => {
      effect = noStockEffect(); // a retried transaction starts again
      return work(tx, effect);
    });
    return { result, effect };
  }

  return {
    /** A staff change to the catalog, with its events: every catalog answer is stale afterwards. */
    async catalogWrite<T>(work: (tx: Tx, effect: StockEffect) => Promise<T>): Promise<T> {
      const { result, effect } = await commit(work);
      await caches.stock.moved(effect.moved);
      await caches.catalog.invalidate();
      ports.eventsCommitted(outbox);
      return result;
    },

    /** Reservations and their ends: no domain event; the catalog changes only if `inStock` flipped. */
    async stockWrite<T>(work: (tx: Tx, effect: StockEffect) => Promise<T>): Promise<T> {
      const { result, effect } = await commit(work);
      await caches.stock.moved(effect.moved);
      if (effect.flipped.size > 0) await caches.catalog.invalidate();
      return result;
    },
  };
}

export type WritePolicy = ReturnType<typeof writePolicy>;
