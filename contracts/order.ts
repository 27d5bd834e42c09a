import { z } from "zod";
import { Cursor, Id, PagingDirection, wholeNumber } from "./common.ts";
import { Money } from "./money.ts";
import { PaymentMethodId } from "./payment.ts";
import { AddressFields } from "./user.ts";

export const OrderStatus = z.enum([
  "pending",
  "awaiting_payment",
  "paid",
  "fulfilled",
  "cancelled",
  "payment_failed",
  "refunded",
]);
export type OrderStatus = z.infer<typeof OrderStatus>;

export const ShippingAddress = AddressFields.omit({ label: true });
export type ShippingAddress = z.infer<typeof ShippingAddress>;

export const CheckoutInput = z
  .strictObject({
    /** Chosen by the client once per purchase attempt (a UUID is ideal); a replay returns the same order. */
    idempotencyKey: z
      .string()
      .min(8)
      .max(128)
      .regex(/^[A-Za-z0-9_.:-]+$/, { message: "use letters, digits and _ . : -" }),
    addressId: Id.optional(),
    shippingAddress: ShippingAddress.optional(),
    paymentMethodId: PaymentMethodId,
    shippingOptionId: z
      .string()
      .regex(/^[a-z0-9_-]{1,40}$/, { message: "expected a shipping option id like 'standard'" })
      .optional(),
  })
  .refine((i) => (i.addressId === undefined) !== (i.shippingAddress === undefined), {
    message: "give exactly one of addressId or shippingAddress",
    path: ["addressId"],
  });
export type CheckoutInput = z.infer<typeof CheckoutInput>;

export const OrderLine = z.object({
  variantId: Id,
  productId: Id,
  title: z.string(),
  variantTitle: z.string(),
  sku: z.string(),
  quantity: z.int(),
  unitPrice: Money,
  lineTotal: Money,
});
export type OrderLine = z.infer<typeof OrderLine>;

export type Order = {
  id: string;
  number: number;
  status: OrderStatus;
  lines: OrderLine[];
  subtotal: Money;
  shipping: Money;
  tax: Money;
  total: Money;
  taxIncluded: true;
  shippingAddress: ShippingAddress;
  shippingOption: { id: string; name: string };
  email: string;
  /** Why the order ended as it did (decline reason, out of stock, cancelled by customer, …). */
  statusReason: string | null;
  createdAt: Date;
  updatedAt: Date;
};

export const OrderIdInput = z.strictObject({ id: Id });
export const ListOrdersInput = z
  .strictObject({
    cursor: Cursor.optional(),
    direction: PagingDirection,
    limit: wholeNumber(1, 100).default(20),
  })
  .default({ limit: 20 });
export type ListOrdersInput = z.infer<typeof ListOrdersInput>;
export const ListAllOrdersInput = z
  .strictObject({
    status: OrderStatus.optional(),
    cursor: Cursor.optional(),
    direction: PagingDirection,
    limit: wholeNumber(1, 100).default(20),
  })
  .default({ limit: 20 });
export type ListAllOrdersInput = z.infer<typeof ListAllOrdersInput>;

export type Customer = { userId: string; email: string; name: string };

/** The order service as routers see it. */
export interface OrderApi {
  checkout(customer: Customer, input: CheckoutInput): Promise<Order>;
  get(userId: string, orderId: string): Promise<Order>;
  list(userId: string, input: ListOrdersInput): Promise<{ items: Order[]; nextCursor: string | null }>;
  cancel(userId: string, orderId: string): Promise<Order>;
  listAll(input: ListAllOrdersInput): Promise<{ items: Order[]; nextCursor: string | null }>;
  fulfil(orderId: string): Promise<Order>;
}
