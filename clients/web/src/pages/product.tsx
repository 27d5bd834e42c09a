import { useQuery } from "@tanstack/react-query";
import { type FormEvent, useEffect, useState } from "react";
import { Link, useParams } from "wouter";
import { errorCode, errorMessage, type Product, useTRPC } from "../api.ts";
import { useCartActions } from "../cart.ts";
import { money } from "../format.ts";
import { toast } from "../toast.ts";
import { Alert, Loading, PageTitle } from "../ui.tsx";
import { NotFoundPage } from "./not-found.tsx";

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

type Variant = Product["variants"][number];

/** The variant whose options are exactly the chosen ones. */
const variantFor = (product: Product, chosen: Record<string, string>) =>
  product.variants.find((v) => product.options.every((o) => v.options[o.name] === chosen[o.name]));

/** Starts on the first variant in stock (or the first one), so the page always shows a price. */
const initialChoice = (product: Product) =>
  ({ ...(product.variants.find((v) => v.stock > 0) ?? product.variants[0])?.options }) as Record<
    string,
    string
  >;

function stockText(variant: Variant | undefined) {
  if (!variant) return "This combination is not available";
  if (variant.stock <= 0) return "Out of stock";
  if (variant.stock <= 5) return `Only ${variant.stock} left`;
  return "In stock";
}

export function ProductPage() {
  const { slug } = useParams<{ slug: string }>();
  const trpc = useTRPC();
  const product = useQuery(trpc.product.get.queryOptions(UUID.test(slug) ? { id: slug } : { slug }));

  if (product.error && errorCode(product.error) === "NOT_FOUND") return <NotFoundPage />;
  if (!product.data) {
    return (
      <div className="product-page">
        <div className="product-image skeleton-box" />
        <div className="product-info">
          <PageTitle title="Product">
            <span className="sr-only">Product</span>
          </PageTitle>
          {product.error ? (
            <Alert>{errorMessage(product.error)}</Alert>
          ) : (
            <Loading label="Loading the product…" />
          )}
        </div>
      </div>
    );
  }
  return <ProductDetails product={product.data} key={product.data.id} />;
}

function ProductDetails({ product }: { product: Product }) {
  const [chosen, setChosen] = useState(() => initialChoice(product));
  const [quantity, setQuantity] = useState(1);
  const [error, setError] = useState<string | null>(null);
  const { add } = useCartActions();
  const variant = variantFor(product, chosen);
  const available = variant?.stock ?? 0;
  useEffect(() => setQuantity((q) => Math.max(1, Math.min(q, available || 1))), [available]);

  const submit = (event: FormEvent) => {
    event.preventDefault();
    if (!variant) return;
    setError(null);
    add.mutate(
      { variantId: variant.id, quantity },
      {
        onSuccess: () => {
          const name = product.variants.length > 1 ? `${product.title} (${variant.title})` : product.title;
          toast(`Added to cart: ${quantity} × ${name}`);
        },
        onError: (e) => setError(errorMessage(e)),
      },
    );
  };

  const price = variant?.price ?? product.priceFrom;
  return (
    <div className="product-page">
      <div className="product-image">
        <img className="product-img" src={product.image} alt={product.title} width={800} height={800} />
      </div>
      <div className="product-info">
        <nav aria-label="Breadcrumb" className="breadcrumb">
          <Link href="/products" className="crumb">
            Shop
          </Link>{" "}
          <span aria-hidden="true">/</span>{" "}
          <Link href={`/products?category=${product.category.slug}`} className="crumb">
            {product.category.name}
          </Link>
        </nav>
        <PageTitle title={product.title}>{product.title}</PageTitle>
        <p className="price" aria-live="polite">
          {money(price)} <span className="tax-note">incl. VAT</span>
        </p>

        <form onSubmit={submit} className="buy-form">
          {product.options.map((option) => (
            <fieldset key={option.name} className="option">
              <legend>
                {option.name}: <span className="chosen">{chosen[option.name]}</span>
              </legend>
              <div className="chips">
                {option.values.map((value) => {
                  const match = variantFor(product, { ...chosen, [option.name]: value });
                  const soldOut = !match || match.stock <= 0;
                  return (
                    <label key={value} className={`chip${soldOut ? " sold-out" : ""}`}>
                      <input
                        type="radio"
                        name={option.name}
                        value={value}
                        checked={chosen[option.name] === value}
                        onChange={() => setChosen({ ...chosen, [option.name]: value })}
                      />
                      <span>{value}</span>
                      {soldOut && <span className="sr-only"> (sold out)</span>}
                    </label>
                  );
                })}
              </div>
            </fieldset>
          ))}

          <p className={`stock${available > 0 ? "" : " out"}`} aria-live="polite">
            {stockText(variant)}
          </p>

          <div className="buy-row">
            <div className="field quantity-field">
              <label htmlFor="quantity">Quantity</label>
              <input
                id="quantity"
                type="number"
                min={1}
                max={Math.max(available, 1)}
                value={quantity}
                onChange={(e) => setQuantity(Math.max(1, Math.floor(Number(e.target.value) || 1)))}
              />
            </div>
            <button
              type="submit"
              className="button primary large"
              disabled={!variant || available <= 0}
              aria-busy={add.isPending}
            >
              Add to cart
            </button>
          </div>
          <Alert>{error}</Alert>
        </form>

        {product.description && (
          <section className="description" aria-labelledby="description-heading">
            <h2 id="description-heading">About this product</h2>
            {product.description.split(/\n{2,}/).map((paragraph) => (
              <p key={paragraph}>{paragraph}</p>
            ))}
          </section>
        )}
        <ul className="assurances">
          <li>Free standard shipping from €60</li>
          <li>Prices include VAT</li>
          <li>Cancel any time before it ships</li>
        </ul>
      </div>
    </div>
  );
}
