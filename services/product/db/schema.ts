import { type SQL, sql } from "drizzle-orm";
import {
  boolean,
  check,
  customType,
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
import { outboxTable } from "../../../platform/bus/outbox.ts";

export const productSchema = pgSchema("product");

const tsvector = customType<{ data: string }>({ dataType: () => "tsvector" });

export const categories = productSchema.table(
  "categories",
  {
    id: uuid().primaryKey(),
    slug: text().notNull(),
    name: text().notNull(),
    position: integer().notNull().default(0),
  },
  (t) => [uniqueIndex("categories_slug").on(t.slug)],
);

export const products = productSchema.table(
  "products",
  {
    id: uuid().primaryKey(),
    slug: text().notNull(),
    title: text().notNull(),
    description: text().notNull(),
    categoryId: uuid("category_id")
      .notNull()
      .references(() => categories.id),
    image: text().notNull(),
    options: jsonb().$type<{ name: string; values: string[] }[]>().notNull(),
    status: text({ enum: ["active", "archived"] })
      .notNull()
      .default("active"),
    /** Derived from the variants on every write, so listing can filter and sort by price with an index. */
    priceFrom: integer("price_from").notNull(),
    currency: text().notNull(),
    inStock: boolean("in_stock").notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
    updatedAt: timestamp("updated_at", { withTimezone: true }).notNull(),
    search: tsvector("search")
      .notNull()
      .generatedAlwaysAs(
        (): SQL =>
          sql`setweight(to_tsvector('english', title), 'A') || setweight(to_tsvector('english', description), 'B')`,
      ),
  },
  (t) => [
    uniqueIndex("products_slug").on(t.slug),
    index("products_search").using("gin", t.search),
    index("products_category_newest").on(t.categoryId, t.createdAt.desc(), t.id.desc()),
    index("products_newest").on(t.createdAt.desc(), t.id.desc()),
    index("products_price").on(t.priceFrom, t.id),
  ],
);

export const variants = productSchema.table(
  "variants",
  {
    id: uuid().primaryKey(),
    productId: uuid("product_id")
      .notNull()
      .references(() => products.id),
    sku: text().notNull(),
    title: text().notNull(),
    options: jsonb().$type<Record<string, string>>().notNull(),
    price: integer().notNull(),
    currency: text().notNull(),
    stock: integer().notNull(),
    position: integer().notNull(),
  },
  (t) => [
    uniqueIndex("variants_sku").on(t.sku),
    index("variants_product").on(t.productId, t.position),
    check("variants_stock_not_negative", sql`${t.stock} >= 0`),
    check("variants_price_not_negative", sql`${t.price} >= 0`),
  ],
);

/**
 * Stock held for an order. `held` units are already out of `variants.stock` and come back if the
 * reservation is released or expires; `committed` units are sold. So for every variant:
 * stock + held + committed = what staff put on the shelf (minus what they took off with setStock).
 */
export const reservations = productSchema.table(
  "reservations",
  {
    orderId: uuid("order_id").notNull(),
    variantId: uuid("variant_id")
      .notNull()
      .references(() => variants.id),
    quantity: integer().notNull(),
    status: text({ enum: ["held", "committed", "released"] }).notNull(),
    expiresAt: timestamp("expires_at", { withTimezone: true }).notNull(),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    primaryKey({ columns: [t.orderId, t.variantId] }),
    index("reservations_expiring").on(t.expiresAt).where(sql`status = 'held'`),
    check("reservations_quantity_positive", sql`${t.quantity} > 0`),
  ],
);

export const outbox = outboxTable(productSchema);
