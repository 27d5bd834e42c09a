import { eq } from "drizzle-orm";
import type { Clock } from "../../../platform/clock.ts";
import type { Tx } from "../../../platform/db/port.ts";
import { products, variants } from "../db/schema.ts";
import { listingFacts } from "../domain/catalog.ts";

/** Re-derives the listing columns (lowest price, anything in stock) from the variants, inside the write. */
export async function refreshListing(tx: Tx, clock: Clock, productId: string) {
  const rows = await tx.select().from(variants).where(eq(variants.productId, productId));
  await tx
    .update(products)
    .set({ ...listingFacts(rows), updatedAt: clock.now() })
    .where(eq(products.id, productId));
}
