import { sql } from "drizzle-orm";
import { boolean, index, pgSchema, text, timestamp, uniqueIndex, uuid } from "drizzle-orm/pg-core";

export const userSchema = pgSchema("user");

export const addresses = userSchema.table(
  "addresses",
  {
    id: uuid().primaryKey(),
    userId: uuid("user_id").notNull(),
    label: text(),
    name: text().notNull(),
    line1: text().notNull(),
    line2: text(),
    city: text().notNull(),
    region: text(),
    postalCode: text("postal_code").notNull(),
    country: text().notNull(),
    phone: text(),
    isDefault: boolean("is_default").notNull().default(false),
    createdAt: timestamp("created_at", { withTimezone: true }).notNull(),
  },
  (t) => [
    index("addresses_user").on(t.userId, t.createdAt),
    uniqueIndex("addresses_one_default").on(t.userId).where(sql`is_default`),
  ],
);
