import { Link } from "wouter";
import { PageTitle } from "../ui.tsx";

export function NotFoundPage() {
  return (
    <section className="narrow">
      <PageTitle title="Page not found">Page not found</PageTitle>
      <p className="lead">There is nothing at this address. It may have moved, or the link was mistyped.</p>
      <Link href="/products" className="button primary">
        Browse the shop
      </Link>
    </section>
  );
}
