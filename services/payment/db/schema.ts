import { sql } from "drizzle-orm";
import { check, index, integer, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";
import { outboxTable } from "../../../platform/bus/outbox.ts";

export const paymentSchema = pgSchema("payment");

export const PAYMENT_STATUSES = ["pending", "succeeded", "declined", "refunded"] as const;
export type PaymentStatus = (typeof PAYMENT_STATUSES)[number];

/**
 * One charge per order: the unique order id is what makes `charge` idempotent. A row is inserted as
 * `pending` before the provider is called, so a crash in between is retried with the same key.
 */
export const payments = paymentSchema.table(
  "payments",
  {
    id: uuid().primaryKey(),
    orderId: uuid("order_id").notNull(),
    userId: uuid("user_id").notNull(),
    amount: integer().notNull(),
    currency: text().notNull(),
    status: text({ enum: PAYMENT_STATUSES }).notNull(),
    /** The payment method the first attempt used; a resumed pending charge reuses it. */
    paymentMethodId: text("payment_method_id").notNull(),
    provider: text().notNull(),
    /** The provider's id for the charge (Stripe: the PaymentIntent id); null until it answered. */
    providerRef: text("provider_ref"),
    declineCode: text("decline_code"),
    declineMessage: text("decline_message"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex("payments_order").on(t.orderId),
    index("payments_provider_ref").on(t.providerRef),
    check("payments_amount_positive", sql`${t.amount} > 0`),
  ],
);

/** At most one (full) refund per order. */
export const refunds = paymentSchema.table(
  "refunds",
  {
    id: uuid().primaryKey(),
    orderId: uuid("order_id").notNull(),
    paymentId: uuid("payment_id")
      .notNull()
      .references(() => payments.id),
    amount: integer().notNull(),
    currency: text().notNull(),
    providerRef: text("provider_ref").notNull(),
    reason: text().notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  },
  (t) => [uniqueIndex("refunds_order").on(t.orderId)],
);

/** Provider webhook events already applied, by the provider's event id (they are delivered at least once). */
export const webhookEvents = paymentSchema.table("webhook_events", {
  id: text().primaryKey(),
  type: text().notNull(),
  receivedAt: timestamp("received_at", { withTimezone: true }).notNull(),
});

/**
 * The simulated provider's own books, standing in for the provider's side: one row per idempotency
 * key, so a repeated key returns the recorded outcome and the row count is the number of real charges.
 */
export const simulatedCharges = paymentSchema.table("simulated_charges", {
  idempotencyKey: text("idempotency_key").primaryKey(),
  ref: text().notNull(),
  amount: integer().notNull(),
  currency: text().notNull(),
  paymentMethodId: text("payment_method_id").notNull(),
  outcome: text({ enum: ["succeeded", "declined"] }).notNull(),
  declineCode: text("decline_code"),
  message: text(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const simulatedRefunds = paymentSchema.table("simulated_refunds", {
  idempotencyKey: text("idempotency_key").primaryKey(),
  ref: text().notNull(),
  chargeRef: text("charge_ref").notNull(),
  amount: integer().notNull(),
  createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
});

export const outbox = outboxTable(paymentSchema);
