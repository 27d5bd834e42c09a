import { useInfiniteQuery, useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect } from "react";
import { Link, useLocation, useSearch } from "wouter";
import { ProductSort } from "../../../../contracts/product.ts";
import { errorMessage, useTRPC } from "../api.ts";
import { moneyInput, parseMoney } from "../format.ts";
import { Alert, Empty, Field, GridSkeleton, PageTitle, ProductGrid, SelectField } from "../ui.tsx";

const PAGE_SIZE = 24;
const SORT_LABELS: Record<ProductSort, string> = {
  relevance: "Best match",
  newest: "Newest",
  price_asc: "Price: low to high",
  price_desc: "Price: high to low",
};

/** The catalog's state lives in the URL: search, category, price range, sort and how many pages are shown. */
function useCatalogParams() {
  const search = useSearch();
  const [, navigate] = useLocation();
  const params = new URLSearchParams(search);
  const euros = (name: string) => {
    const value = params.get(name);
    return value === null ? undefined : (parseMoney(value) ?? undefined);
  };
  const sort = ProductSort.safeParse(params.get("sort"));
  const state = {
    q: params.get("q")?.trim() || undefined,
    category: params.get("category") || undefined,
    minPrice: euros("min"),
    maxPrice: euros("max"),
    sort: sort.success ? sort.data : undefined,
    pages: Math.min(Math.max(Number(params.get("pages")) || 1, 1), 20),
  };
  /** Changes some parameters; anything but paging starts again from the first page. */
  const update = (changes: Record<string, string | undefined>, options: { replace?: boolean } = {}) => {
    const next = new URLSearchParams(search);
    for (const [key, value] of Object.entries(changes)) {
      if (value) next.set(key, value);
      else next.delete(key);
    }
    if (!("pages" in changes)) next.delete("pages");
    const query = next.toString();
    navigate(query ? `/products?${query}` : "/products", options);
  };
  return { ...state, update };
}

export function CatalogPage() {
  const trpc = useTRPC();
  const { q, category, minPrice, maxPrice, sort, pages, update } = useCatalogParams();
  const categories = useQuery({ ...trpc.product.categories.queryOptions(), staleTime: 5 * 60_000 });
  const list = useInfiniteQuery(
    trpc.product.list.infiniteQueryOptions(
      { q, category, minPrice, maxPrice, sort, limit: PAGE_SIZE },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
  );

  // A reload of `?pages=3` shows three pages again.
  const loadedPages = list.data?.pages.length ?? 0;
  useEffect(() => {
    if (loadedPages > 0 && loadedPages < pages && list.hasNextPage && !list.isFetchingNextPage) {
      void list.fetchNextPage();
    }
  }, [loadedPages, pages, list.hasNextPage, list.isFetchingNextPage, list.fetchNextPage]);

  const products = list.data?.pages.flatMap((p) => p.items) ?? [];
  const categoryName = categories.data?.find((c) => c.slug === category)?.name;
  const heading = q ? `Results for “${q}”` : (categoryName ?? (category ? "Products" : "All products"));
  const filtered = Boolean(q || category || minPrice !== undefined || maxPrice !== undefined);

  const applyPrices = (event: FormEvent<HTMLFormElement>) => {
    event.preventDefault();
    const form = new FormData(event.currentTarget);
    const min = parseMoney(String(form.get("min") ?? ""));
    const max = parseMoney(String(form.get("max") ?? ""));
    update({
      min: min === null ? undefined : moneyInput(min),
      max: max === null ? undefined : moneyInput(max),
    });
  };

  return (
    <div className="catalog">
      <div className="catalog-head">
        <PageTitle title={heading}>{heading}</PageTitle>
        {q && categoryName && <p className="muted">in {categoryName}</p>}
      </div>

      <aside className="filters" aria-label="Filters">
        <SelectField
          label="Category"
          value={category ?? ""}
          onChange={(e) => update({ category: e.target.value || undefined })}
        >
          <option value="">All categories</option>
          {categories.data?.map((c) => (
            <option key={c.id} value={c.slug}>
              {c.name} ({c.productCount})
            </option>
          ))}
        </SelectField>
        <SelectField
          label="Sort by"
          value={sort ?? ""}
          onChange={(e) => update({ sort: e.target.value || undefined })}
        >
          <option value="">{q ? "Best match" : "Featured"}</option>
          {ProductSort.options
            .filter((s) => s !== "relevance")
            .map((s) => (
              <option key={s} value={s}>
                {SORT_LABELS[s]}
              </option>
            ))}
        </SelectField>
        <form className="price-filter" onSubmit={applyPrices} key={`${minPrice}-${maxPrice}`}>
          <fieldset>
            <legend>Price (€)</legend>
            <Field
              label="Min price"
              name="min"
              inputMode="decimal"
              placeholder="0"
              defaultValue={minPrice === undefined ? "" : moneyInput(minPrice)}
            />
            <Field
              label="Max price"
              name="max"
              inputMode="decimal"
              placeholder="any"
              defaultValue={maxPrice === undefined ? "" : moneyInput(maxPrice)}
            />
            <button type="submit" className="button small">
              Apply
            </button>
          </fieldset>
        </form>
        {filtered && (
          <Link href="/products" className="clear-filters">
            Clear all filters
          </Link>
        )}
      </aside>

      <section className="results" aria-label="Results">
        {list.error && <Alert>{errorMessage(list.error)}</Alert>}
        {list.error && !list.data ? null : list.isPending ? (
          <GridSkeleton count={8} />
        ) : products.length === 0 ? (
          <Empty title="No products match">
            <p>Try another word, a wider price range or another category.</p>
            <Link href="/products" className="button">
              Show all products
            </Link>
          </Empty>
        ) : (
          <>
            <p className="result-count" aria-live="polite">
              Showing {products.length} {products.length === 1 ? "product" : "products"}
              {list.hasNextPage ? " — there are more" : ""}
            </p>
            <ProductGrid products={products} eager={4} />
            {list.hasNextPage && (
              <div className="load-more">
                <button
                  type="button"
                  className="button"
                  disabled={list.isFetchingNextPage}
                  onClick={() => update({ pages: String(loadedPages + 1) }, { replace: true })}
                >
                  {list.isFetchingNextPage ? "Loading…" : "Show more products"}
                </button>
              </div>
            )}
          </>
        )}
      </section>
    </div>
  );
}
