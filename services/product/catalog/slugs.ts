import { sql } from "drizzle-orm";
import type { Executor } from "../../../platform/db/port.ts";
import { products } from "../db/schema.ts";

/** The slug itself if free, else the slug with the first free numeric suffix (`enamel-mug-2`). */
export async function freeSlug(ex: Executor, base: string): Promise<string> {
  const taken = await ex
    .select({ slug: products.slug })
    .from(products)
    .where(sql`${products.slug} = ${base} or ${products.slug} like ${`${base}-%`}`);
  const used = new Set(taken.map((r) => r.slug));
  if (!used.has(base)) return base;
  for (let n = 2; ; n++) if (!used.has(`${base}-${n}`)) return `${base}-${n}`;
}
