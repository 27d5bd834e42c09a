import { useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { type FormEvent, type ReactNode, useRef, useState } from "react";
import { Link, Redirect, useLocation } from "wouter";
import type { ShippingAddress } from "../../../../contracts/order.ts";
import { AddressFieldset, addressLine, countryCode, emptyAddress, parseAddress } from "../address-form.tsx";
import { type Cart, errorCode, errorMessage, useTRPC } from "../api.ts";
import { useCart, useShippingChoice } from "../cart.ts";
import { money, variantLabel } from "../format.ts";
import { useMe } from "../session.ts";
import { Alert, Empty, Loading, PageTitle } from "../ui.tsx";
import { Totals } from "./cart.tsx";

/** One key per purchase attempt, so a retried request can never buy twice (works without a secure context). */
const newIdempotencyKey = () =>
  `web-${Array.from(crypto.getRandomValues(new Uint8Array(16)), (b) => b.toString(16).padStart(2, "0")).join("")}`;

export function CheckoutPage() {
  const me = useMe();
  if (me.isPending) return <Loading />;
  if (!me.data) return <Redirect to="/signup?next=/checkout" replace />;
  return <Checkout />;
}

function OrderSummary({ cart, busy }: { cart: Cart; busy: boolean }) {
  return (
    <>
      <ul className="summary-lines">
        {cart.lines.map((line) => (
          <li key={line.variantId}>
            <img className="summary-image" src={line.image} alt="" width={56} height={56} />
            <span className="summary-line-text">
              <span className="line-title">{line.title}</span>
              <span className="muted">
                {variantLabel(line) ? `${variantLabel(line)} · ` : ""}
                {line.quantity} × {money(line.unitPrice)}
              </span>
            </span>
            <span>{money(line.lineTotal)}</span>
          </li>
        ))}
      </ul>
      <Totals cart={cart} busy={busy} />
    </>
  );
}

function Checkout() {
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  const [, navigate] = useLocation();
  const addresses = useQuery(trpc.user.addresses.list.queryOptions());
  const methods = useQuery({ ...trpc.payment.methods.queryOptions(), staleTime: Number.POSITIVE_INFINITY });

  const [addressChoice, setAddressChoice] = useState<string | null>(null);
  const [draft, setDraft] = useState(emptyAddress);
  const [saveAddress, setSaveAddress] = useState(true);
  const [addressErrors, setAddressErrors] = useState<Record<string, string>>({});
  const [shipping, setShipping] = useShippingChoice();
  const [method, setMethod] = useState<string | null>(null);
  const [error, setError] = useState<string | null>(null);
  const [placing, setPlacing] = useState(false);
  const attemptKey = useRef<string | null>(null);
  /** The new address this page saved last, so a retry with the same fields does not save it twice. */
  const savedDraft = useRef<{ fields: string; id: string } | null>(null);

  const saved = addresses.data ?? [];
  const choice = addressChoice ?? (saved.find((a) => a.isDefault) ?? saved[0])?.id ?? "new";
  const chosenAddress = saved.find((a) => a.id === choice);
  const draftCountry = countryCode(draft.country);
  const country = chosenAddress?.country ?? (/^[A-Z]{2}$/.test(draftCountry) ? draftCountry : undefined);
  const cart = useCart({ shippingOptionId: shipping, country });

  const addAddress = useMutation(trpc.user.addresses.add.mutationOptions());
  const checkout = useMutation(trpc.order.checkout.mutationOptions());

  async function deliveryTarget(): Promise<
    { addressId: string } | { shippingAddress: ShippingAddress } | null
  > {
    if (choice !== "new") return { addressId: choice };
    const { address, errors } = parseAddress(draft);
    setAddressErrors(errors);
    if (!address) {
      setError(`Check the delivery address: ${Object.values(errors)[0]}`);
      return null;
    }
    if (!saveAddress) return { shippingAddress: address };
    const fields = JSON.stringify(address);
    if (savedDraft.current?.fields !== fields) {
      const isDefault = saved.length === 0 && !savedDraft.current;
      const stored = await addAddress.mutateAsync({ ...address, isDefault });
      savedDraft.current = { fields, id: stored.id };
      // Stale for the next visit, not refetched now: the form stays as typed while this page is open
      // (a refetch would swap it for the address book's choices under the buyer's eyes).
      void queryClient.invalidateQueries({
        queryKey: trpc.user.addresses.list.queryKey(),
        refetchType: "none",
      });
    }
    return { addressId: savedDraft.current.id };
  }

  async function placeOrder(event: FormEvent) {
    event.preventDefault();
    if (placing) return;
    setError(null);
    if (!method) {
      setError("Choose a payment method.");
      return;
    }
    setPlacing(true);
    try {
      const target = await deliveryTarget();
      if (!target) return;
      attemptKey.current ??= newIdempotencyKey();
      const order = await checkout.mutateAsync({
        idempotencyKey: attemptKey.current,
        ...target,
        paymentMethodId: method,
        ...(cart.data && { shippingOptionId: cart.data.shippingOptionId }),
      });
      attemptKey.current = null;
      queryClient.setQueryData(trpc.order.get.queryKey({ id: order.id }), order);
      void queryClient.invalidateQueries({ queryKey: trpc.order.pathKey() });
      void queryClient.invalidateQueries({ queryKey: trpc.cart.get.pathKey() });
      navigate(`/checkout/confirmation/${order.id}`);
    } catch (failure) {
      // The server answered: this attempt is over, and the next one is a new purchase attempt.
      if (errorCode(failure)) attemptKey.current = null;
      const declined = errorCode(failure) === "PAYMENT_REQUIRED";
      setError(
        declined
          ? `Payment declined: ${errorMessage(failure).replace(/\.$/, "")}. Nothing was charged and your cart is unchanged; choose another payment method and try again.`
          : errorMessage(failure),
      );
      void queryClient.invalidateQueries({ queryKey: trpc.cart.get.pathKey() });
      void queryClient.invalidateQueries({ queryKey: trpc.order.pathKey() });
    } finally {
      setPlacing(false);
    }
  }

  // Everything the form shows comes first: a list that arrived later would push the page down.
  if (cart.isPending || addresses.isPending || methods.isPending) {
    return <Loading label="Preparing the checkout…" />;
  }
  if (cart.data && cart.data.lines.length === 0) {
    return (
      <section className="narrow">
        <PageTitle title="Checkout">Checkout</PageTitle>
        <Empty title="Your cart is empty">
          <Link href="/products" className="button primary">
            Browse the shop
          </Link>
        </Empty>
      </section>
    );
  }

  return (
    <form className="checkout" onSubmit={placeOrder} noValidate>
      <div className="checkout-head">
        <PageTitle title="Checkout">Checkout</PageTitle>
      </div>
      <div className="checkout-steps">
        <Step number={1} id="address-heading" title="Delivery address">
          {saved.length > 0 && (
            <div role="radiogroup" aria-labelledby="address-heading" className="choices">
              {saved.map((a) => (
                <RadioRow key={a.id} name="address" value={a.id} chosen={choice} onChoose={setAddressChoice}>
                  {addressLine(a)}
                </RadioRow>
              ))}
              <RadioRow name="address" value="new" chosen={choice} onChoose={setAddressChoice}>
                A new address
              </RadioRow>
            </div>
          )}
          {choice === "new" && (
            <>
              <AddressFieldset
                value={draft}
                onChange={setDraft}
                errors={addressErrors}
                legend="New address"
              />
              <label className="check">
                <input
                  type="checkbox"
                  checked={saveAddress}
                  onChange={(e) => setSaveAddress(e.target.checked)}
                />
                Save this address to my address book
              </label>
            </>
          )}
        </Step>

        <Step number={2} id="shipping-heading" title="Shipping">
          <div role="radiogroup" aria-labelledby="shipping-heading" className="choices">
            {cart.data?.shippingOptions.map((option) => (
              <RadioRow
                key={option.id}
                name="shipping"
                value={option.id}
                chosen={cart.data?.shippingOptionId}
                onChoose={setShipping}
                after={<span>{option.price.amount === 0 ? "Free" : money(option.price)}</span>}
              >
                {option.name} <span className="muted estimate">{option.estimatedDays}</span>
              </RadioRow>
            ))}
          </div>
        </Step>

        <Step number={3} id="payment-heading" title="Payment method">
          <p className="test-mode" role="note">
            <strong>Test mode</strong> — no real card is charged. Pick one of the simulated provider's test
            cards; the ones marked "declines" show what happens when a bank says no.
          </p>
          {methods.error && <Alert>{errorMessage(methods.error)}</Alert>}
          <div role="radiogroup" aria-labelledby="payment-heading" className="choices">
            {methods.data?.map((m) => (
              <RadioRow
                key={m.id}
                name="payment"
                value={m.id}
                chosen={method}
                onChoose={setMethod}
                className={`method ${m.outcome}`}
              >
                {m.label}
              </RadioRow>
            ))}
          </div>
        </Step>
      </div>

      <aside className="summary" aria-labelledby="summary-heading">
        <h2 id="summary-heading">Your order</h2>
        {cart.error && <Alert>{errorMessage(cart.error)}</Alert>}
        {cart.data && <OrderSummary cart={cart.data} busy={cart.isFetching} />}
        <button type="submit" className="button primary large block" aria-busy={placing}>
          Place order
        </button>
        {/*
          From the first press of the button on, this keeps the room an answer takes (a decline's
          message), so an answer that comes late does not push what is below it.
        */}
        <div className={placing || error ? "order-outcome attempted" : "order-outcome"}>
          <p className="hint center" role="status">
            {placing ? "Placing your order…" : "You can cancel until the order ships."}
          </p>
          <Alert>{error}</Alert>
        </div>
      </aside>
    </form>
  );
}

/** A numbered step of the checkout form, labelled by its heading. */
function Step({
  number,
  id,
  title,
  children,
}: {
  number: number;
  id: string;
  title: string;
  children: ReactNode;
}) {
  return (
    <section className="step" aria-labelledby={id}>
      <h2 id={id}>
        <span className="step-number" aria-hidden="true">
          {number}
        </span>
        {title}
      </h2>
      {children}
    </section>
  );
}

/** One choice of a radio group: the label holds the radio, what it says, and anything shown `after` it. */
function RadioRow({
  name,
  value,
  chosen,
  onChoose,
  className,
  after,
  children,
}: {
  name: string;
  value: string;
  chosen: string | null | undefined;
  onChoose: (value: string) => void;
  className?: string;
  after?: ReactNode;
  children: ReactNode;
}) {
  return (
    <label className={className ? `radio-row ${className}` : "radio-row"}>
      <input
        type="radio"
        name={name}
        value={value}
        checked={chosen === value}
        onChange={() => onChoose(value)}
      />
      <span className="radio-label">{children}</span>
      {after}
    </label>
  );
}
