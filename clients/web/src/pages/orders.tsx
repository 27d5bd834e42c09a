import { useInfiniteQuery, useMutation, useQuery, useQueryClient } from "@tanstack/react-query";
import { useState } from "react";
import { Link, Redirect, useParams } from "wouter";
import { addressLine } from "../address-form.tsx";
import { errorCode, errorMessage, type Order, useTRPC } from "../api.ts";
import { date, dateTime, money, variantLabel } from "../format.ts";
import { useMe } from "../session.ts";
import { toast } from "../toast.ts";
import { Alert, Empty, Loading, PageTitle, StatusBadge } from "../ui.tsx";
import { NotFoundPage } from "./not-found.tsx";

/** Pages for signed-in customers send guests to the login first, and back here afterwards. */
export function useSignedInOnly() {
  const me = useMe();
  if (me.isPending) return { ready: false as const, element: <Loading /> };
  if (!me.data) {
    const next = encodeURIComponent(location.pathname + location.search);
    return { ready: false as const, element: <Redirect to={`/login?next=${next}`} replace /> };
  }
  return { ready: true as const, user: me.data };
}

export function OrdersPage() {
  const gate = useSignedInOnly();
  return gate.ready ? <OrderHistory /> : gate.element;
}

function OrderHistory() {
  const trpc = useTRPC();
  const orders = useInfiniteQuery(
    trpc.order.list.infiniteQueryOptions(
      { limit: 20 },
      { getNextPageParam: (last) => last.nextCursor ?? undefined, staleTime: 0 },
    ),
  );
  const items = orders.data?.pages.flatMap((p) => p.items) ?? [];
  return (
    <section className="narrow wide-ish">
      <PageTitle title="Your orders">Your orders</PageTitle>
      {orders.error && <Alert>{errorMessage(orders.error)}</Alert>}
      {orders.isPending ? (
        <Loading label="Loading your orders…" />
      ) : items.length === 0 ? (
        <Empty title="No orders yet">
          <p>When you buy something, it shows up here with its status.</p>
          <Link href="/products" className="button primary">
            Start shopping
          </Link>
        </Empty>
      ) : (
        <ul className="order-list">
          {items.map((order) => (
            <li key={order.id}>
              <Link href={`/orders/${order.id}`} className="order-link">
                Order #{order.number}
              </Link>
              <span className="muted">{date(order.createdAt)}</span>
              <span className="muted">{order.lines.reduce((n, l) => n + l.quantity, 0)} items</span>
              <StatusBadge status={order.status} />
              <span className="order-total">{money(order.total)}</span>
            </li>
          ))}
        </ul>
      )}
      {orders.hasNextPage && (
        <div className="load-more">
          <button type="button" className="button" onClick={() => orders.fetchNextPage()}>
            Show older orders
          </button>
        </div>
      )}
    </section>
  );
}

/** Lines, totals and delivery of an order: the detail page and the confirmation show the same. */
export function OrderSummaryBlock({ order }: { order: Order }) {
  return (
    <div className="order-detail">
      <table className="order-lines">
        <caption className="sr-only">Items</caption>
        <thead>
          <tr>
            <th scope="col">Item</th>
            <th scope="col" className="num">
              Qty
            </th>
            <th scope="col" className="num">
              Price
            </th>
            <th scope="col" className="num">
              Total
            </th>
          </tr>
        </thead>
        <tbody>
          {order.lines.map((line) => (
            <tr key={line.variantId}>
              <td>
                <span className="line-title">{line.title}</span>
                {variantLabel(line) && <span className="muted block">{variantLabel(line)}</span>}
              </td>
              <td className="num">{line.quantity}</td>
              <td className="num">{money(line.unitPrice)}</td>
              <td className="num">{money(line.lineTotal)}</td>
            </tr>
          ))}
        </tbody>
        <tfoot>
          <tr>
            <th scope="row" colSpan={3}>
              Subtotal
            </th>
            <td className="num">{money(order.subtotal)}</td>
          </tr>
          <tr>
            <th scope="row" colSpan={3}>
              Shipping ({order.shippingOption.name})
            </th>
            <td className="num">{order.shipping.amount === 0 ? "Free" : money(order.shipping)}</td>
          </tr>
          <tr className="muted">
            <th scope="row" colSpan={3}>
              Tax included
            </th>
            <td className="num">{money(order.tax)}</td>
          </tr>
          <tr className="grand">
            <th scope="row" colSpan={3}>
              Total
            </th>
            <td className="num">{money(order.total)}</td>
          </tr>
        </tfoot>
      </table>
      <div className="order-facts">
        <h2>Delivery</h2>
        <p>{addressLine(order.shippingAddress)}</p>
        <h2>Placed</h2>
        <p>{dateTime(order.createdAt)}</p>
        <h2>Confirmation sent to</h2>
        <p>{order.email}</p>
      </div>
    </div>
  );
}

const CANCELLABLE = new Set(["pending", "awaiting_payment", "paid"]);

export function OrderPage() {
  const gate = useSignedInOnly();
  return gate.ready ? <OrderDetail /> : gate.element;
}

function OrderDetail() {
  const { id } = useParams<{ id: string }>();
  const trpc = useTRPC();
  const queryClient = useQueryClient();
  // An order moves on without this page (paid, fulfilled by staff): always ask again when shown.
  const order = useQuery({ ...trpc.order.get.queryOptions({ id }), staleTime: 0 });
  const [confirming, setConfirming] = useState(false);
  const cancel = useMutation(
    trpc.order.cancel.mutationOptions({
      onSuccess: (updated) => {
        queryClient.setQueryData(trpc.order.get.queryKey({ id }), updated);
        void queryClient.invalidateQueries({ queryKey: trpc.order.list.pathKey() });
        setConfirming(false);
        toast(
          `Order #${updated.number} is cancelled${updated.status === "refunded" ? " and refunded" : ""}.`,
        );
      },
    }),
  );

  if (order.error && ["NOT_FOUND", "BAD_REQUEST"].includes(errorCode(order.error) ?? ""))
    return <NotFoundPage />;
  if (!order.data) {
    return (
      <section className="narrow">
        <PageTitle title="Order">Order</PageTitle>
        {order.error ? <Alert>{errorMessage(order.error)}</Alert> : <Loading label="Loading the order…" />}
      </section>
    );
  }
  const o = order.data;
  return (
    <section className="narrow wide-ish">
      <Link href="/orders" className="back">
        ← All orders
      </Link>
      <div className="title-row">
        <PageTitle title={`Order #${o.number}`}>Order #{o.number}</PageTitle>
        <StatusBadge status={o.status} />
      </div>
      {o.statusReason && <p className="status-reason">{o.statusReason}</p>}
      <OrderSummaryBlock order={o} />
      {CANCELLABLE.has(o.status) && (
        <div className="cancel-box">
          {confirming ? (
            <>
              <p>
                Cancel order #{o.number}? {o.status === "paid" ? `${money(o.total)} will be refunded.` : ""}
              </p>
              <button type="button" className="button danger" onClick={() => cancel.mutate({ id: o.id })}>
                Yes, cancel the order
              </button>
              <button type="button" className="button" onClick={() => setConfirming(false)}>
                Keep the order
              </button>
            </>
          ) : (
            <button type="button" className="button" onClick={() => setConfirming(true)}>
              Cancel order
            </button>
          )}
          <Alert>{cancel.error && errorMessage(cancel.error)}</Alert>
        </div>
      )}
    </section>
  );
}
