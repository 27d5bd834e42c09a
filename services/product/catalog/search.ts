import { type SQL, sql } from "drizzle-orm";
import { products } from "../db/schema.ts";

/** `lin shirt` → `lin:* & shirt:*`: every word must match, each as a prefix (search as you type). */
export function prefixQuery(q: string): string | null {
  const words =
    q
      .toLowerCase()
      .match(/[\p{L}\p{N}]+/gu)
      ?.slice(0, 8) ?? [];
  return words.length ? words.map((w) => `${w}:*`).join(" & ") : null;
}

/**
 * Full-text search over titles (weighted first) and descriptions: the condition a product must meet
 * and its rank, or null when the text holds no word at all (such a search finds nothing).
 */
export function textSearch(q: string): { matches: SQL; rank: SQL } | null {
  const query = prefixQuery(q);
  if (!query) return null;
  const tsquery = sql`to_tsquery('english', ${query})`;
  return {
    matches: sql`${products.search} @@ ${tsquery}`,
    rank: sql`ts_rank(${products.search}, ${tsquery})`,
  };
}
