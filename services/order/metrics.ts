import { count } from "drizzle-orm";
import { DomainError } from "../../contracts/errors.ts";
import { type Order, OrderStatus } from "../../contracts/order.ts";
import { readForMetrics } from "../../platform/metrics/sql.ts";
import type { ServicePorts } from "../../platform/service.ts";
import { orders } from "./db/schema.ts";

/** How a checkout request ended, as `fastr_checkouts_total` counts it. */
const OUTCOMES = ["paid", "payment_failed", "out_of_stock", "rejected", "replayed", "error"] as const;
export type CheckoutOutcome = (typeof OUTCOMES)[number];

/** A checkout answers with an order only once it is paid, or refunded because its stock was lost after the charge. */
const placed = (order: Order): CheckoutOutcome => (order.status === "paid" ? "paid" : "out_of_stock");

function refused(error: unknown): CheckoutOutcome {
  if (!(error instanceof DomainError)) return "error";
  if (error.code === "ORDER.PAYMENT_DECLINED") return "payment_failed";
  if (error.code === "ORDER.OUT_OF_STOCK" || error.code === "ORDER.NOT_PLACED") return "out_of_stock";
  return "rejected";
}

/**
 * The order service's series: `fastr_checkouts_total{outcome}`, counted as each checkout request
 * settles, and `fastr_orders{status}`, every order by status, read from the database when scraped.
 * @example const metrics = orderMetrics(ports); const checkout = (c, input) => metrics.countCheckout((replayed) => place(c, input, replayed));
 */
export function orderMetrics({ db, metrics }: Pick<ServicePorts, "db" | "metrics">) {
  const checkouts = metrics.counter({
    name: "fastr_checkouts_total",
    help: "Checkout requests by outcome: paid, payment_failed, out_of_stock, rejected (before an order existed), replayed (an idempotency key seen before), error",
    labelNames: ["outcome"],
  });
  // Every outcome is a series from the start, so rate() and increase() see the first one happen.
  for (const outcome of OUTCOMES) checkouts.inc({ outcome }, 0);
  metrics.gauge({
    name: "fastr_orders",
    help: "Orders by status",
    labelNames: ["status"],
    read: async () => {
      const rows = await readForMetrics(db, (ex) =>
        ex.select({ status: orders.status, n: count() }).from(orders).groupBy(orders.status),
      );
      return OrderStatus.options.map((status) => ({
        labels: { status },
        value: rows.find((r) => r.status === status)?.n ?? 0,
      }));
    },
  });

  return {
    /** Runs a checkout and counts how it ended; the checkout calls `replayed` when it answers an earlier request's order. */
    async countCheckout(checkout: (replayed: () => void) => Promise<Order>): Promise<Order> {
      let replay = false;
      const replayed = () => {
        replay = true;
      };
      try {
        const order = await checkout(replayed);
        checkouts.inc({ outcome: replay ? "replayed" : placed(order) });
        return order;
      } catch (error) {
        checkouts.inc({ outcome: replay ? "replayed" : refused(error) });
        throw error;
      }
    },
  };
}
