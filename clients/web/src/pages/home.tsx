import { useQueries, useQuery } from "@tanstack/react-query";
import { Link } from "wouter";
import { errorMessage, useTRPC } from "../api.ts";
import { plural } from "../format.ts";
import { Alert, GridSkeleton, PageTitle, ProductGrid } from "../ui.tsx";

export function HomePage() {
  const trpc = useTRPC();
  const categories = useQuery({ ...trpc.product.categories.queryOptions(), staleTime: 5 * 60_000 });
  // One product from every category: the shop's range at a glance (one batched request).
  const featured = useQueries({
    queries: (categories.data ?? []).map((c) =>
      trpc.product.list.queryOptions({ category: c.slug, limit: 1 }),
    ),
    combine: (results) => ({
      items: results.flatMap((r) => r.data?.items ?? []),
      ready: results.length > 0 && results.every((r) => r.data),
      error: results.find((r) => r.error)?.error,
    }),
  });
  return (
    <>
      <section className="hero">
        <ul className="hero-pictures" aria-hidden="true">
          {[0, 1, 2, 3].map((i) => {
            const product = featured.items[i];
            return (
              <li key={product?.id ?? i}>
                {product && <img src={product.image} alt="" width={400} height={400} />}
              </li>
            );
          })}
        </ul>
        <div className="hero-text">
          <p className="eyebrow">New season, same good things</p>
          <PageTitle title="Everyday things, made well">Everyday things, made well</PageTitle>
          <p className="lead">
            Clothes, shoes, bags, homeware, stationery, coffee and outdoor kit from small makers. Free
            standard shipping from €60.
          </p>
          <Link href="/products" className="button primary">
            Shop all products
          </Link>
        </div>
      </section>

      <section className="section" aria-labelledby="categories-heading">
        <h2 id="categories-heading">Shop by category</h2>
        {categories.error && <Alert>{errorMessage(categories.error)}</Alert>}
        <ul className="category-tiles">
          {categories.data
            ? categories.data.map((c, i) => (
                <li key={c.id}>
                  <Link href={`/products?category=${c.slug}`} className={`tile tone-${i % 4}`}>
                    <span className="tile-name">{c.name}</span>
                    <span className="tile-count">{plural(c.productCount, "product")}</span>
                  </Link>
                </li>
              ))
            : // Placeholders of the tiles' size, so the page does not move when they arrive.
              [0, 1, 2, 3, 4, 5, 6, 7].map((i) => (
                <li key={i} aria-hidden="true">
                  <span className="tile skeleton-box" />
                </li>
              ))}
        </ul>
      </section>

      <section className="section" aria-labelledby="featured-heading">
        <div className="section-head">
          <h2 id="featured-heading">Picked for you</h2>
          <Link href="/products?sort=newest">See what is new</Link>
        </div>
        {featured.error && <Alert>{errorMessage(featured.error)}</Alert>}
        {featured.ready ? <ProductGrid products={featured.items} eager={4} /> : <GridSkeleton count={8} />}
      </section>
    </>
  );
}
