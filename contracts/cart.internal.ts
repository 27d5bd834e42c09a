import { z } from "zod";
import { type CartApi, CartLine, CartMergeReport, CartToken, ShippingOption } from "./cart.ts";
import { Id } from "./common.ts";
import { type InternalContract, internal } from "./internal.ts";
import { Money, MoneySum } from "./money.ts";

export const CartOwner = z.union([z.object({ userId: Id }), z.object({ token: CartToken.nullable() })]);

export const Cart = z.object({
  subtotal: MoneySum,
  shipping: Money,
  tax: MoneySum,
  total: MoneySum,
  taxRate: z.number(),
  taxIncluded: z.literal(true),
  token: z.string().nullable(),
  lines: z.array(CartLine),
  itemCount: z.int(),
  shippingOptions: z.array(ShippingOption),
  shippingOptionId: z.string(),
  country: z.string(),
});

/** What other services call on the cart: the checkout reads it and takes out what was bought; sign-in merges a guest cart. */
export const cartInternal = {
  get: internal(
    z.tuple([
      CartOwner,
      z
        .object({
          country: z.string().optional(),
          shippingOptionId: z.string().optional(),
          fresh: z.boolean().optional(),
        })
        .optional(),
    ]),
    Cart,
    { idempotent: true },
  ),
  clear: internal(z.tuple([CartOwner]), Cart, { idempotent: true }),
  merge: internal(z.tuple([CartToken, Id]), CartMergeReport.nullable(), { idempotent: true }),
  removePurchased: internal(
    z.tuple([
      Id,
      z.object({
        orderId: Id,
        lines: z.array(z.object({ variantId: Id, quantity: z.int().min(1) })).readonly(),
      }),
    ]),
    z.void(),
    { idempotent: true },
  ),
} satisfies InternalContract<CartApi, "get" | "clear" | "merge" | "removePurchased">;
