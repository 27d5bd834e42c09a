/** Small building blocks every page uses: headings that set the title, fields with labels, states. */
import {
  type InputHTMLAttributes,
  type ReactNode,
  type SelectHTMLAttributes,
  useEffect,
  useId,
  useRef,
} from "react";
import { Link } from "wouter";
import type { OrderStatus } from "../../../contracts/order.ts";
import type { ProductSummary } from "./api.ts";
import { money, STATUS_LABELS } from "./format.ts";

/** The path whose heading last took focus: a new path moves focus to its heading (not the first load). */
let focusedPath: string | null = null;

/**
 * The page's one `<h1>`; sets the document title. After a client-side navigation it takes focus, so a
 * keyboard or screen-reader user starts reading the new page instead of staying on the old link.
 */
export function PageTitle({ children, title }: { children: ReactNode; title: string }) {
  const ref = useRef<HTMLHeadingElement>(null);
  useEffect(() => {
    document.title = `${title} — fastr`;
  }, [title]);
  useEffect(() => {
    const path = location.pathname;
    const navigated = focusedPath !== null && focusedPath !== path;
    // A page that swaps its loading heading for the real one keeps focus on the heading.
    const replaced = focusedPath === path && document.activeElement === document.body;
    if (navigated || replaced) ref.current?.focus({ preventScroll: true });
    focusedPath = path;
  }, []);
  return (
    <h1 ref={ref} tabIndex={-1}>
      {children}
    </h1>
  );
}

type FieldProps = InputHTMLAttributes<HTMLInputElement> & { label: string; hint?: ReactNode; error?: string };

/** A labelled input with its hint and error wired up for assistive technology. */
export function Field({ label, hint, error, className, ...input }: FieldProps) {
  const id = useId();
  const describedBy = [hint && `${id}-hint`, error && `${id}-error`].filter(Boolean).join(" ");
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id}>{label}</label>
      <input
        id={id}
        aria-invalid={error ? true : undefined}
        aria-describedby={describedBy || undefined}
        {...input}
      />
      {hint && (
        <p className="hint" id={`${id}-hint`}>
          {hint}
        </p>
      )}
      {error && (
        <p className="field-error" id={`${id}-error`}>
          {error}
        </p>
      )}
    </div>
  );
}

type SelectProps = SelectHTMLAttributes<HTMLSelectElement> & { label: string; children: ReactNode };

export function SelectField({ label, children, className, ...select }: SelectProps) {
  const id = useId();
  return (
    <div className={`field ${className ?? ""}`}>
      <label htmlFor={id}>{label}</label>
      <select id={id} {...select}>
        {children}
      </select>
    </div>
  );
}

/** An error in words, announced when it appears. */
export function Alert({ children }: { children: ReactNode }) {
  if (!children) return null;
  return (
    <div className="alert" role="alert">
      {children}
    </div>
  );
}

export function Loading({ label = "Loading…" }: { label?: string }) {
  return (
    <p className="loading" role="status">
      <span className="spinner" aria-hidden="true" />
      {label}
    </p>
  );
}

export function Empty({ title, children }: { title: string; children?: ReactNode }) {
  return (
    <div className="empty">
      <p className="empty-title">{title}</p>
      {children}
    </div>
  );
}

export function StatusBadge({ status }: { status: OrderStatus }) {
  return <span className={`badge status-${status}`}>{STATUS_LABELS[status]}</span>;
}

/**
 * A product card: the whole card is clickable, but the link itself is only the title, so its accessible
 * name is the product's title.
 */
export function ProductCard({ product, eager = false }: { product: ProductSummary; eager?: boolean }) {
  return (
    <article className="card">
      <div className="card-image">
        <img
          className="card-img"
          src={product.image}
          alt=""
          width={400}
          height={400}
          loading={eager ? "eager" : "lazy"}
          decoding="async"
        />
        {!product.inStock && <span className="card-flag">Sold out</span>}
      </div>
      <div className="card-body">
        <p className="card-category">{product.category.name}</p>
        <h3 className="card-title">
          <Link href={`/products/${product.slug}`}>{product.title}</Link>
        </h3>
        <p className="card-price">{money(product.priceFrom)}</p>
      </div>
    </article>
  );
}

export function ProductGrid({ products, eager = 0 }: { products: ProductSummary[]; eager?: number }) {
  return (
    <ul className="grid" aria-label="Products">
      {products.map((p, i) => (
        <li key={p.id}>
          <ProductCard product={p} eager={i < eager} />
        </li>
      ))}
    </ul>
  );
}

/** Placeholder cards of the same size as real ones, so nothing moves when the products arrive. */
export function GridSkeleton({ count = 8 }: { count?: number }) {
  return (
    <div className="grid" aria-hidden="true">
      {Array.from({ length: count }, (_, i) => (
        // biome-ignore lint/suspicious/noArrayIndexKey: placeholders have no identity
        <div className="card skeleton" key={i}>
          <div className="card-image" />
          <div className="card-body">
            <p className="bone short" />
            <p className="bone" />
            <p className="bone short" />
          </div>
        </div>
      ))}
    </div>
  );
}
