/** The shell every page shares (header, search, cart link, footer, messages) and the routes. */
import { useQuery } from "@tanstack/react-query";
import { type FormEvent, lazy, Suspense, useEffect, useState } from "react";
import { Link, Redirect, Route, Switch, useLocation, useSearch } from "wouter";
import { useTRPC } from "./api.ts";
import { useCart } from "./cart.ts";
import { AccountPage } from "./pages/account.tsx";
import { LoginPage, SignupPage } from "./pages/auth.tsx";
import { CartPage } from "./pages/cart.tsx";
import { CatalogPage } from "./pages/catalog.tsx";
import { CheckoutPage } from "./pages/checkout.tsx";
import { ConfirmationPage } from "./pages/confirmation.tsx";
import { HomePage } from "./pages/home.tsx";
import { NotFoundPage } from "./pages/not-found.tsx";
import { OrderPage, OrdersPage } from "./pages/orders.tsx";
import { ProductPage } from "./pages/product.tsx";
import { useLogout, useMe } from "./session.ts";
import { dismiss, dismissAll, useToasts } from "./toast.ts";
import { Loading, PageTitle } from "./ui.tsx";

/** The staff console is its own chunk: customers never download it. */
const StaffConsole = lazy(() => import("./staff/console.tsx"));

function SearchBox() {
  const [path, navigate] = useLocation();
  const search = useSearch();
  const current = path === "/products" ? (new URLSearchParams(search).get("q") ?? "") : "";
  const [text, setText] = useState(current);
  useEffect(() => setText(current), [current]);
  const submit = (event: FormEvent) => {
    event.preventDefault();
    const q = text.trim();
    navigate(q ? `/products?q=${encodeURIComponent(q)}` : "/products");
  };
  return (
    <search className="site-search">
      <form onSubmit={submit}>
        <label htmlFor="site-search" className="sr-only">
          Search products
        </label>
        <input
          id="site-search"
          type="search"
          name="q"
          placeholder="Search products"
          autoComplete="off"
          value={text}
          onChange={(e) => setText(e.target.value)}
        />
        <button type="submit" className="search-button">
          <span className="sr-only">Search</span>
          <svg viewBox="0 0 20 20" width="18" height="18" aria-hidden="true">
            <circle cx="8.5" cy="8.5" r="5.5" fill="none" stroke="currentColor" strokeWidth="2" />
            <path d="M13 13l4.5 4.5" stroke="currentColor" strokeWidth="2" strokeLinecap="round" />
          </svg>
        </button>
      </form>
    </search>
  );
}

function CartLink() {
  const count = useCart().data?.itemCount ?? 0;
  return (
    <Link href="/cart" className="cart-link">
      Cart <span className="count">{count}</span>
      <span className="sr-only">{count === 1 ? " item" : " items"}</span>
    </Link>
  );
}

function AccountNav() {
  const me = useMe();
  const logout = useLogout();
  if (me.isPending) return <span className="nav-placeholder" />;
  if (!me.data) {
    return (
      <>
        <Link href="/login">Log in</Link>
        <Link href="/signup">Sign up</Link>
      </>
    );
  }
  return (
    <>
      {me.data.role === "staff" && (
        <Link href="/staff" className="staff-link">
          Staff
        </Link>
      )}
      <Link href="/orders">Orders</Link>
      <Link href="/account">Account</Link>
      <button
        type="button"
        className="link-button"
        onClick={() => logout.mutate()}
        disabled={logout.isPending}
      >
        Log out
      </button>
    </>
  );
}

function CategoryNav() {
  const trpc = useTRPC();
  const categories = useQuery({ ...trpc.product.categories.queryOptions(), staleTime: 5 * 60_000 });
  const active = new URLSearchParams(useSearch()).get("category");
  const [path] = useLocation();
  return (
    <nav className="category-nav" aria-label="Categories">
      <ul>
        <li>
          <Link href="/products" aria-current={path === "/products" && !active ? "page" : undefined}>
            All products
          </Link>
        </li>
        {categories.data?.map((c) => (
          <li key={c.id}>
            <Link href={`/products?category=${c.slug}`} aria-current={active === c.slug ? "page" : undefined}>
              {c.name}
            </Link>
          </li>
        ))}
      </ul>
    </nav>
  );
}

function Toasts() {
  const toasts = useToasts();
  return (
    <>
      <div className="toasts" role="status" aria-live="polite">
        {toasts
          .filter((t) => t.tone === "info")
          .map((t) => (
            <p key={t.id} className="toast">
              {t.text}
            </p>
          ))}
      </div>
      <div className="toasts errors" role="alert">
        {toasts
          .filter((t) => t.tone === "error")
          .map((t) => (
            <p key={t.id} className="toast error">
              {t.text}
              <button type="button" className="toast-close" onClick={() => dismiss(t.id)}>
                <span aria-hidden="true">×</span>
                <span className="sr-only">Dismiss</span>
              </button>
            </p>
          ))}
      </div>
    </>
  );
}

function StaffArea() {
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (!me.data) return <Redirect to={`~/login?next=${encodeURIComponent(location.pathname)}`} replace />;
  if (me.data.role !== "staff") {
    return (
      <section className="narrow">
        <PageTitle title="Staff only">Staff only</PageTitle>
        <p className="lead">
          This part of the shop is for its staff. You are signed in as {me.data.email}, a customer account.
        </p>
        <Link href="~/" className="button">
          Back to the shop
        </Link>
      </section>
    );
  }
  return (
    <Suspense fallback={<Loading label="Opening the staff console…" />}>
      <StaffConsole />
    </Suspense>
  );
}

export function App() {
  const [path] = useLocation();
  // A new page starts at its top and without the last page's messages (a change of the query
  // string, like a filter, keeps both).
  // Braces matter: newer browsers' scrollTo returns a Promise, and an effect must not return one.
  // biome-ignore lint/correctness/useExhaustiveDependencies: runs on every change of path, by design
  useEffect(() => {
    window.scrollTo(0, 0);
    dismissAll();
  }, [path]);
  return (
    <>
      <a href="#main" className="skip-link">
        Skip to content
      </a>
      <header className="site-header">
        <div className="bar">
          <Link href="/" className="brand" aria-label="fastr home">
            fastr<span aria-hidden="true">.</span>
          </Link>
          <SearchBox />
          <nav className="account-nav" aria-label="Account">
            <div className="account-links">
              <AccountNav />
            </div>
            <CartLink />
          </nav>
        </div>
        {!path.startsWith("/staff") && <CategoryNav />}
      </header>
      <main id="main" className="main">
        <Switch>
          <Route path="/" component={HomePage} />
          <Route path="/products" component={CatalogPage} />
          <Route path="/products/:slug" component={ProductPage} />
          <Route path="/cart" component={CartPage} />
          <Route path="/checkout" component={CheckoutPage} />
          <Route path="/checkout/confirmation/:id" component={ConfirmationPage} />
          <Route path="/orders" component={OrdersPage} />
          <Route path="/orders/:id" component={OrderPage} />
          <Route path="/account" component={AccountPage} />
          <Route path="/login" component={LoginPage} />
          <Route path="/signup" component={SignupPage} />
          <Route path="/register">
            <Redirect to="/signup" replace />
          </Route>
          <Route path="/staff" nest>
            <StaffArea />
          </Route>
          <Route component={NotFoundPage} />
        </Switch>
      </main>
      <footer className="site-footer">
        <p>
          <strong>fastr</strong> — an open-source shop. Payments run in test mode: no real money moves.
        </p>
      </footer>
      <Toasts />
    </>
  );
}
