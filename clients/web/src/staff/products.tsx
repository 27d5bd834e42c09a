import { useInfiniteQuery } from "@tanstack/react-query";
import { useEffect, useState } from "react";
import { Link } from "wouter";
import { errorMessage, useTRPC } from "../api.ts";
import { money } from "../format.ts";
import { Alert, Empty, Loading, PageTitle } from "../ui.tsx";

/** Waits until typing pauses before searching. */
function useDebounced<T>(value: T, ms = 250) {
  const [settled, setSettled] = useState(value);
  useEffect(() => {
    const timer = setTimeout(() => setSettled(value), ms);
    return () => clearTimeout(timer);
  }, [value, ms]);
  return settled;
}

export function StaffProducts() {
  const trpc = useTRPC();
  const [filter, setFilter] = useState("");
  const q = useDebounced(filter.trim());
  const products = useInfiniteQuery(
    trpc.product.list.infiniteQueryOptions(
      { q: q || undefined, sort: q ? undefined : "newest", limit: 50 },
      { getNextPageParam: (last) => last.nextCursor ?? undefined },
    ),
  );
  const items = products.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section>
      <PageTitle title="Products (staff)">Products</PageTitle>
      <div className="field filter">
        <label htmlFor="staff-filter">Filter products</label>
        <input
          id="staff-filter"
          type="search"
          value={filter}
          placeholder="Title, description or SKU"
          onChange={(e) => setFilter(e.target.value)}
        />
      </div>
      {products.error && <Alert>{errorMessage(products.error)}</Alert>}
      {products.isPending ? (
        <Loading />
      ) : items.length === 0 ? (
        <Empty title="No products match">
          <Link href="/products/new" className="button primary">
            Create a product
          </Link>
        </Empty>
      ) : (
        <div className="table-wrap">
          <table className="data">
            <thead>
              <tr>
                <th scope="col">Product</th>
                <th scope="col">Category</th>
                <th scope="col" className="num">
                  Price from
                </th>
                <th scope="col">Stock</th>
              </tr>
            </thead>
            <tbody>
              {items.map((p) => (
                <tr key={p.id}>
                  <td>
                    <span className="product-cell">
                      <img className="thumb" src={p.image} alt="" width={40} height={40} />
                      <Link href={`/products/${p.id}`}>{p.title}</Link>
                    </span>
                  </td>
                  <td>{p.category.name}</td>
                  <td className="num">{money(p.priceFrom)}</td>
                  <td>{p.inStock ? "In stock" : <span className="badge status-cancelled">Sold out</span>}</td>
                </tr>
              ))}
            </tbody>
          </table>
        </div>
      )}
      {products.hasNextPage && (
        <div className="load-more">
          <button type="button" className="button" onClick={() => products.fetchNextPage()}>
            Show more
          </button>
        </div>
      )}
    </section>
  );
}
