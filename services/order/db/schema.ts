import { sql } from "drizzle-orm";
import {
  bigserial,
  boolean,
  index,
  integer,
  jsonb,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";
import type { OrderStatus, ShippingAddress } from "../../../contracts/order.ts";
import { inboxTable } from "../../../platform/bus/inbox.ts";
import { outboxTable } from "../../../platform/bus/outbox.ts";

export const orderSchema = pgSchema("order");

export const orders = orderSchema.table(
  "orders",
  {
    id: uuid().primaryKey(),
    /** What a customer quotes on the phone: short, sequential. */
    number: bigserial({ mode: "number" }).notNull(),
    userId: uuid("user_id").notNull(),
    email: text().notNull(),
    customerName: text("customer_name").notNull(),
    idempotencyKey: text("idempotency_key").notNull(),
    /** SHA-256 of the checkout request: a replayed key must carry the same request. */
    requestHash: text("request_hash").notNull(),
    status: text().$type<OrderStatus>().notNull(),
    statusReason: text("status_reason"),
    currency: text().notNull(),
    subtotal: integer().notNull(),
    shipping: integer().notNull(),
    tax: integer().notNull(),
    total: integer().notNull(),
    shippingAddress: jsonb("shipping_address").$type<ShippingAddress>().notNull(),
    shippingOption: jsonb("shipping_option").$type<{ id: string; name: string }>().notNull(),
    paymentMethodId: text("payment_method_id").notNull(),
    /** Cancelled after payment and not yet refunded: recovery finishes the refund. */
    refundDue: boolean("refund_due").notNull().default(false),
    /** Paid, and what it bought is still to be taken out of the customer's cart. */
    cartClearDue: boolean("cart_clear_due").notNull().default(false),
    /** The provider changed this order's payment outside a charge (a webhook): reconcile the two. */
    paymentCheckDue: boolean("payment_check_due").notNull().default(false),
    /** Refunded at the provider before it shipped: its units are still to go back on the shelf. */
    restockDue: boolean("restock_due").notNull().default(false),
    /** Whoever runs this order's saga holds it until then; recovery takes over orders whose lease ran out. */
    sagaLeaseUntil: timestamp("saga_lease_until", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex("orders_number").on(t.number),
    uniqueIndex("orders_idempotency").on(t.userId, t.idempotencyKey),
    index("orders_user_newest").on(t.userId, t.number.desc()),
    index("orders_status_newest").on(t.status, t.number.desc()),
    index("orders_unfinished")
      .on(t.sagaLeaseUntil)
      .where(
        sql`status in ('pending', 'awaiting_payment') or refund_due or cart_clear_due or payment_check_due or restock_due`,
      ),
  ],
);

export const orderLines = orderSchema.table(
  "lines",
  {
    orderId: uuid("order_id")
      .notNull()
      .references(() => orders.id, { onDelete: "cascade" }),
    position: integer().notNull(),
    variantId: uuid("variant_id").notNull(),
    productId: uuid("product_id").notNull(),
    title: text().notNull(),
    variantTitle: text("variant_title").notNull(),
    sku: text().notNull(),
    quantity: integer().notNull(),
    unitPrice: integer("unit_price").notNull(),
    lineTotal: integer("line_total").notNull(),
  },
  (t) => [primaryKey({ columns: [t.orderId, t.position] })],
);

export const outbox = outboxTable(orderSchema);

/** Events the order service has acted on (payment events from the provider), by event id. */
export const inbox = inboxTable(orderSchema);
