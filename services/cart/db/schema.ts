import { sql } from "drizzle-orm";
import {
  check,
  index,
  integer,
  pgSchema,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
  uuid,
} from "drizzle-orm/pg-core";

export const cartSchema = pgSchema("cart");

/** A cart belongs to a user or to whoever holds its guest token (stored only as a SHA-256). */
export const carts = cartSchema.table(
  "carts",
  {
    id: uuid().primaryKey(),
    userId: uuid("user_id"),
    tokenHash: text("token_hash"),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    uniqueIndex("carts_user").on(t.userId),
    uniqueIndex("carts_token").on(t.tokenHash),
    check("carts_has_owner", sql`(${t.userId} is null) <> (${t.tokenHash} is null)`),
  ],
);

export const lines = cartSchema.table(
  "lines",
  {
    cartId: uuid("cart_id")
      .notNull()
      .references(() => carts.id, { onDelete: "cascade" }),
    variantId: uuid("variant_id").notNull(),
    quantity: integer().notNull(),
    addedAt: timestamp("added_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.cartId, t.variantId] }),
    index("lines_cart_added").on(t.cartId, t.addedAt),
    check("lines_quantity_positive", sql`${t.quantity} > 0`),
  ],
);

/** Orders whose purchase was taken out of their buyer's cart: `removePurchased` acts once per order. */
export const removedPurchases = cartSchema.table("removed_purchases", {
  orderId: uuid("order_id").primaryKey(),
  removedAt: timestamp("removed_at", { withTimezone: true }).notNull().defaultNow(),
});
