import { z } from "zod";
import { Id } from "./common.ts";
import { type InternalContract, internal } from "./internal.ts";
import { Money } from "./money.ts";
import type { ProductApi } from "./product.ts";

export const VariantInfo = z.object({
  id: Id,
  productId: Id,
  sku: z.string(),
  title: z.string(),
  variantTitle: z.string(),
  image: z.string(),
  price: Money,
  stock: z.int(),
  purchasable: z.boolean(),
});
const ReservationLines = z.array(z.object({ variantId: Id, quantity: z.int().min(1) })).readonly();
const OrderId = z.tuple([Id]);

/** What other services call on the product service: prices and stock for the cart, reservations for the checkout. */
export const productInternal = {
  variants: internal(z.tuple([z.array(Id).readonly()]), z.array(VariantInfo), { idempotent: true }),
  cachedVariants: internal(z.tuple([z.array(Id).readonly()]), z.array(VariantInfo), { idempotent: true }),
  reserve: internal(z.tuple([Id, ReservationLines, z.int().min(1)]), z.void(), { idempotent: true }),
  commitReservation: internal(OrderId, z.void(), { idempotent: true }),
  releaseReservation: internal(OrderId, z.void(), { idempotent: true }),
  reservationState: internal(OrderId, z.enum(["none", "held", "committed", "released"]), {
    idempotent: true,
  }),
} satisfies InternalContract<
  ProductApi,
  "variants" | "cachedVariants" | "reserve" | "commitReservation" | "releaseReservation" | "reservationState"
>;
