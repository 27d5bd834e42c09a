import { z } from "zod";
import { Id, wholeNumber } from "./common.ts";
import { Money, MoneySum } from "./money.ts";

export const CART_COOKIE = "fastr_cart";
export const CART_TOKEN_HEADER = "x-cart-token";

/** A guest cart's bearer secret: 32 base32 characters (160 bits). */
export const CART_TOKEN_PATTERN = /^[a-z2-7]{32}$/;
export const CartToken = z
  .string()
  .regex(CART_TOKEN_PATTERN, { message: "not a cart token this shop issued" });

/** A guest cart nobody touched for this long is deleted, and the browser forgets its cookie as long after. */
export const GUEST_CART_LIFETIME_MS = 30 * 24 * 60 * 60 * 1000;

const Quantity = wholeNumber(1, 999);

export const AddItemInput = z.strictObject({ variantId: Id, quantity: Quantity.default(1) });
export type AddItemInput = z.infer<typeof AddItemInput>;
export const SetQuantityInput = z.strictObject({ variantId: Id, quantity: Quantity });
export type SetQuantityInput = z.infer<typeof SetQuantityInput>;
export const RemoveItemInput = z.strictObject({ variantId: Id });
/** How `cart.get` prices the cart: for a shipping option and a destination country (defaults otherwise). */
export const CartViewInput = z
  .strictObject({
    shippingOptionId: z.string().max(40).optional(),
    country: z
      .string()
      .regex(/^[A-Za-z]{2}$/, { message: "expected a two-letter country code like 'DE'" })
      .transform((c) => c.toUpperCase())
      .optional(),
  })
  .optional();

export const ShippingOption = z.object({
  id: z.string(),
  name: z.string(),
  price: Money,
  estimatedDays: z.string(),
});
export type ShippingOption = z.infer<typeof ShippingOption>;

export const CartLine = z.object({
  variantId: Id,
  productId: Id,
  title: z.string(),
  variantTitle: z.string(),
  sku: z.string(),
  image: z.string(),
  quantity: z.int(),
  unitPrice: Money,
  lineTotal: MoneySum,
  /** Units in stock right now; the line cannot be bought beyond this. */
  available: z.int(),
});
export type CartLine = z.infer<typeof CartLine>;

export type Totals = {
  subtotal: Money;
  shipping: Money;
  /** Prices include tax: this is the tax contained in the total, at the destination's rate. */
  tax: Money;
  total: Money;
  taxRate: number;
  taxIncluded: true;
};

export type Cart = Totals & {
  /** The guest cart token (null for a signed-in user's cart or before anything was added). */
  token: string | null;
  lines: CartLine[];
  itemCount: number;
  shippingOptions: ShippingOption[];
  /** The option the totals assume (the cheapest, until checkout picks one). */
  shippingOptionId: string;
  country: string;
};

/** A guest-cart line that did not move (or not fully) into the customer's cart at sign-in, and why. */
export const LeftOutLine = z.object({
  variantId: Id,
  /** The product (and variant) name; null when the variant no longer exists. */
  title: z.string().nullable(),
  /** What the guest cart held. */
  quantity: z.int(),
  /** How many of them did reach the customer's cart (0: none). */
  kept: z.int(),
  reason: z.enum(["gone", "not_for_sale", "sold_out", "not_enough_stock", "other_currency", "cart_full"]),
  message: z.string(),
});
export type LeftOutLine = z.infer<typeof LeftOutLine>;

/** What signing in did with the guest cart: how many lines moved, and what was left out. */
export const CartMergeReport = z.object({ merged: z.int(), leftOut: z.array(LeftOutLine) });
export type CartMergeReport = z.infer<typeof CartMergeReport>;

/** What an order bought, to take out of its buyer's cart. */
export type Purchase = { orderId: string; lines: readonly { variantId: string; quantity: number }[] };

/** Who owns a cart: a signed-in user, or whoever holds a guest token. */
export type CartOwner = { userId: string } | { token: string | null };

/** The cart service as routers and the order saga see it. */
export interface CartApi {
  /**
   * The cart priced as the product service's pages show prices and stock (its caches); `fresh` reads
   * them from its database instead, as the checkout does (ADR 146).
   */
  get(
    owner: CartOwner,
    options?: { country?: string; shippingOptionId?: string; fresh?: boolean },
  ): Promise<Cart>;
  /** Adds to the line (summing quantities); creates a guest cart (new token) when the owner has none. */
  addItem(owner: CartOwner, input: AddItemInput): Promise<Cart>;
  setQuantity(owner: CartOwner, input: SetQuantityInput): Promise<Cart>;
  removeItem(owner: CartOwner, variantId: string): Promise<Cart>;
  clear(owner: CartOwner): Promise<Cart>;
  /**
   * Moves a guest cart into the user's cart at sign-in under the rules of `addItem` (one currency, a
   * line cap, quantities summed but capped by stock) and reports what was left out; null when the
   * token names no cart.
   */
  merge(guestToken: string, userId: string): Promise<CartMergeReport | null>;
  /**
   * Takes a paid order's lines out of its buyer's cart: each line loses the quantity bought (and goes
   * when nothing is left), so what the customer added since stays. Once per order, however often asked.
   */
  removePurchased(userId: string, purchase: Purchase): Promise<void>;
}
