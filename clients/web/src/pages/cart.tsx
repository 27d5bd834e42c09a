import { type KeyboardEvent, useEffect, useState } from "react";
import { Link, useLocation } from "wouter";
import { type Cart, type CartLine, errorMessage } from "../api.ts";
import { useCart, useCartActions, useShippingChoice } from "../cart.ts";
import { money, variantLabel } from "../format.ts";
import { useMe } from "../session.ts";
import { Alert, Empty, Loading, PageTitle } from "../ui.tsx";

function QuantityControl({ line }: { line: CartLine }) {
  const { setQuantity } = useCartActions();
  const [draft, setDraft] = useState(String(line.quantity));
  useEffect(() => setDraft(String(line.quantity)), [line.quantity]);
  const commit = (quantity: number) => {
    if (!Number.isInteger(quantity) || quantity < 1) {
      setDraft(String(line.quantity));
      return;
    }
    if (quantity !== line.quantity) setQuantity.mutate({ variantId: line.variantId, quantity });
  };
  const onKey = (event: KeyboardEvent<HTMLInputElement>) => {
    if (event.key === "Enter") commit(Number(draft));
  };
  return (
    <div className="stepper">
      <button
        type="button"
        onClick={() => commit(line.quantity - 1)}
        disabled={line.quantity <= 1}
        aria-label={`One fewer ${line.title}`}
      >
        −
      </button>
      <input
        type="number"
        min={1}
        max={line.available}
        value={draft}
        aria-label={`Quantity of ${line.title}`}
        onChange={(e) => setDraft(e.target.value)}
        onBlur={() => commit(Number(draft))}
        onKeyDown={onKey}
      />
      <button type="button" onClick={() => commit(line.quantity + 1)} aria-label={`One more ${line.title}`}>
        +
      </button>
    </div>
  );
}

function LineItem({ line }: { line: CartLine }) {
  const { remove } = useCartActions();
  return (
    <li className="line">
      <img className="line-image" src={line.image} alt="" width={96} height={96} />
      <div className="line-info">
        <Link href={`/products/${line.productId}`} className="line-title">
          {line.title}
        </Link>
        {variantLabel(line) && <p className="muted">{variantLabel(line)}</p>}
        <p className="muted">{money(line.unitPrice)} each</p>
        {line.quantity > line.available && (
          <p className="field-error">
            {line.available === 0 ? "No longer available" : `Only ${line.available} left: lower the quantity`}
          </p>
        )}
      </div>
      <QuantityControl line={line} />
      <p className="line-total">{money(line.lineTotal)}</p>
      <button
        type="button"
        className="link-button remove"
        onClick={() => remove.mutate({ variantId: line.variantId })}
        aria-label={`Remove ${line.title}`}
      >
        Remove
      </button>
    </li>
  );
}

/** Subtotal, the shipping choice, the tax the total includes, and the total. */
export function Totals({
  cart,
  onShipping,
  busy,
}: {
  cart: Cart;
  onShipping?: (id: string) => void;
  busy?: boolean;
}) {
  return (
    <div className="totals" aria-busy={busy}>
      <div className="row">
        <span>Subtotal</span>
        <span>{money(cart.subtotal)}</span>
      </div>
      {onShipping ? (
        <fieldset className="shipping-options">
          <legend>Shipping</legend>
          {cart.shippingOptions.map((option) => (
            <label key={option.id} className="radio-row">
              <input
                type="radio"
                name="shipping"
                value={option.id}
                checked={cart.shippingOptionId === option.id}
                onChange={() => onShipping(option.id)}
              />
              <span className="radio-label">
                {option.name} <span className="muted estimate">{option.estimatedDays}</span>
              </span>
              <span>{option.price.amount === 0 ? "Free" : money(option.price)}</span>
            </label>
          ))}
        </fieldset>
      ) : (
        <div className="row">
          <span>Shipping</span>
          <span>{cart.shipping.amount === 0 ? "Free" : money(cart.shipping)}</span>
        </div>
      )}
      <div className="row muted">
        <span>
          Tax included ({cart.taxRate}% VAT, {cart.country})
        </span>
        <span>{money(cart.tax)}</span>
      </div>
      <div className="row total">
        <span>Total</span>
        <span>{money(cart.total)}</span>
      </div>
    </div>
  );
}

export function CartPage() {
  const [shipping, setShipping] = useShippingChoice();
  const cart = useCart({ shippingOptionId: shipping });
  const me = useMe();
  const [, navigate] = useLocation();

  const checkout = () => navigate(me.data ? "/checkout" : "/signup?next=/checkout");

  return (
    <div className="cart-page">
      <PageTitle title="Your cart">Your cart</PageTitle>
      {cart.error && <Alert>{errorMessage(cart.error)}</Alert>}
      {cart.isPending ? (
        <Loading label="Loading your cart…" />
      ) : !cart.data || cart.data.lines.length === 0 ? (
        <Empty title="Your cart is empty">
          <p>Find something you like and it will wait for you here.</p>
          <Link href="/products" className="button primary">
            Start shopping
          </Link>
        </Empty>
      ) : (
        <div className="cart-layout">
          <ul className="lines" aria-label="Items in your cart">
            {cart.data.lines.map((line) => (
              <LineItem key={line.variantId} line={line} />
            ))}
          </ul>
          <aside className="summary" aria-labelledby="summary-heading">
            <h2 id="summary-heading">Order summary</h2>
            <Totals cart={cart.data} onShipping={setShipping} busy={cart.isFetching} />
            <button type="button" className="button primary large block" onClick={checkout}>
              Checkout
            </button>
            {!me.data && (
              <p className="hint center">
                You will create an account or log in next; your cart stays as it is.
              </p>
            )}
            <Link href="/products" className="continue">
              Continue shopping
            </Link>
          </aside>
        </div>
      )}
    </div>
  );
}
