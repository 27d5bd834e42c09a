/** The URLs the stateless scenarios load, found on the shop under test (embedded or through NGINX). */

/** The path of a tRPC query with its input, as the typed client sends it. */
export const query = (service: string, procedure: string, input?: unknown) =>
  `/api/${service}/trpc/${procedure}${input === undefined ? "" : `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`}`;

/** `__WORD__` and `__N__` in a search URL are replaced per request by the load generator. */
export const SEARCH_WORDS = ["coffee", "mug", "tea", "shirt", "linen", "lamp", "wool", "bag", "steel", "oak"];

export async function trpcData(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  const body = (await response.json()) as { result?: { data?: { json?: unknown } } };
  if (!response.ok || !body.result) throw new Error(`${url}: ${response.status} ${JSON.stringify(body)}`);
  return body.result.data?.json;
}

/** One path per catalog scenario; `search` is a template whose every request is a cache miss. */
export async function catalogPaths(base: string) {
  const list = query("product", "list", { limit: 24 });
  const first = (await trpcData(base + list)) as { items: { slug: string; category: { slug: string } }[] };
  const item = first.items[0];
  if (!item) throw new Error("the catalog is empty: nothing to read");
  return {
    list,
    listCategory: query("product", "list", { category: item.category.slug, sort: "price_asc", limit: 24 }),
    get: query("product", "get", { slug: item.slug }),
    categories: query("product", "categories"),
    // A different price ceiling per request: a new cache key every time, the same rows found.
    search: query("product", "list", { q: "__WORD__", limit: 24, maxPrice: 1_000_000_000 }).replace(
      "1000000000",
      "__N__",
    ),
  };
}
