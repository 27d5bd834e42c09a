import { useQuery } from "@tanstack/react-query";
import { Link, useParams } from "wouter";
import { errorMessage, useTRPC } from "../api.ts";
import { Alert, Loading, PageTitle } from "../ui.tsx";
import { OrderSummaryBlock, useSignedInOnly } from "./orders.tsx";

export function ConfirmationPage() {
  const gate = useSignedInOnly();
  return gate.ready ? <Confirmation /> : gate.element;
}

function Confirmation() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const order = useQuery(trpc.order.get.queryOptions({ id }));
  if (!order.data) {
    return (
      <section className="narrow">
        <PageTitle title="Order">Your order</PageTitle>
        {order.error ? <Alert>{errorMessage(order.error)}</Alert> : <Loading />}
      </section>
    );
  }
  const o = order.data;
  const heading = o.status === "paid" ? `Order #${o.number} confirmed` : `Order #${o.number}`;
  return (
    <section className="narrow wide-ish confirmation">
      <div className="confirmation-mark" aria-hidden="true">
        ✓
      </div>
      <PageTitle title={heading}>{heading}</PageTitle>
      <p className="lead">
        Thank you! We are getting it ready. A confirmation e-mail is on its way to <strong>{o.email}</strong>.
      </p>
      <OrderSummaryBlock order={o} />
      <div className="actions">
        <Link href={`/orders/${o.id}`} className="button">
          View order
        </Link>
        <Link href="/products" className="button primary">
          Continue shopping
        </Link>
      </div>
    </section>
  );
}
