import type { EventName } from "../../contracts/events.ts";
import { money } from "../../contracts/money.ts";
import { variantDisplayName } from "../../contracts/product.ts";
import { event } from "../../platform/bus/outbox.ts";
import type { Clock } from "../../platform/clock.ts";
import type { LineRow, OrderRow } from "./store.ts";

type OrderEventName = Extract<
  EventName,
  "order.paid@1" | "order.payment_failed@1" | "order.cancelled@1" | "order.fulfilled@1" | "order.refunded@1"
>;

/** An order event carrying what an e-mail needs (number, customer, lines, total), so consumers need not call back. */
export function orderEvent(
  clock: Clock,
  order: OrderRow,
  lines: readonly LineRow[],
  name: OrderEventName,
  extra: { reason?: string } = {},
) {
  return event(
    name,
    order.id,
    {
      orderId: order.id,
      number: order.number,
      userId: order.userId,
      email: order.email,
      name: order.customerName,
      total: money(order.total, order.currency),
      breakdown: {
        subtotal: money(order.subtotal, order.currency),
        shipping: money(order.shipping, order.currency),
        tax: money(order.tax, order.currency),
      },
      shipTo: {
        name: order.shippingAddress.name,
        line1: order.shippingAddress.line1,
        ...(order.shippingAddress.line2 && { line2: order.shippingAddress.line2 }),
        postalCode: order.shippingAddress.postalCode,
        city: order.shippingAddress.city,
        country: order.shippingAddress.country,
      },
      lines: lines.map((l) => ({
        title: variantDisplayName(l),
        quantity: l.quantity,
        lineTotal: money(l.lineTotal, order.currency),
      })),
      ...extra,
    } as never,
    clock,
  );
}
