import type { PayloadOf } from "../../../contracts/events.ts";
import { money } from "../../../contracts/money.ts";
import type { ShippingAddress } from "../../../contracts/order.ts";
import { variantDisplayName } from "../../../contracts/product.ts";

type OrderEventName =
  | "order.paid@1"
  | "order.payment_failed@1"
  | "order.cancelled@1"
  | "order.fulfilled@1"
  | "order.refunded@1";

/** An event an order emits, with the payload its contract schema types (the store wraps it in an envelope). */
export type OrderEvent = { [N in OrderEventName]: { name: N; payload: PayloadOf<N> } }[OrderEventName];

/** What the events tell about an order. */
export type OrderFacts = {
  id: string;
  number: number;
  userId: string;
  email: string;
  customerName: string;
  currency: string;
  subtotal: number;
  shipping: number;
  tax: number;
  total: number;
  shippingAddress: ShippingAddress;
  lines: readonly { title: string; variantTitle: string; quantity: number; lineTotal: number }[];
};

/** What every order event carries, so consumers (e-mail) need not call back. */
function facts(order: OrderFacts): PayloadOf<"order.paid@1"> {
  const { shippingAddress: to, currency } = order;
  return {
    orderId: order.id,
    number: order.number,
    userId: order.userId,
    email: order.email,
    name: order.customerName,
    total: money(order.total, currency),
    breakdown: {
      subtotal: money(order.subtotal, currency),
      shipping: money(order.shipping, currency),
      tax: money(order.tax, currency),
    },
    shipTo: {
      name: to.name,
      line1: to.line1,
      ...(to.line2 && { line2: to.line2 }),
      postalCode: to.postalCode,
      city: to.city,
      country: to.country,
    },
    lines: order.lines.map((l) => ({
      title: variantDisplayName(l),
      quantity: l.quantity,
      lineTotal: money(l.lineTotal, currency),
    })),
  };
}

/** The past-tense events of an order, one builder each. */
export const orderEvents = {
  paid: (order: OrderFacts): OrderEvent => ({ name: "order.paid@1", payload: facts(order) }),
  paymentFailed: (order: OrderFacts, reason: string): OrderEvent => ({
    name: "order.payment_failed@1",
    payload: { ...facts(order), reason },
  }),
  cancelled: (order: OrderFacts, reason: string): OrderEvent => ({
    name: "order.cancelled@1",
    payload: { ...facts(order), reason },
  }),
  fulfilled: (order: OrderFacts): OrderEvent => ({ name: "order.fulfilled@1", payload: facts(order) }),
  refunded: (order: OrderFacts, reason: string): OrderEvent => ({
    name: "order.refunded@1",
    payload: { ...facts(order), reason },
  }),
};
