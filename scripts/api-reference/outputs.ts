/**
 * What each procedure returns, as zod schemas for the API reference. Procedures declare no output
 * schema (validating every response would cost time and could turn a harmless extra field into a
 * 500), so these describe the types the routers infer — and the compiler holds them to it: `checked`
 * below fails to typecheck when a procedure is added or removed, or its output type no longer matches
 * its schema here, field for field.
 */
import type { inferRouterOutputs } from "@trpc/server";
import { z } from "zod";
import { SignedIn, User } from "../../contracts/auth.ts";
import { CartLine, ShippingOption } from "../../contracts/cart.ts";
import { Id } from "../../contracts/common.ts";
import { Money, MoneySum } from "../../contracts/money.ts";
import { EmailMessage } from "../../contracts/notification.ts";
import { OrderLine, OrderStatus, ShippingAddress } from "../../contracts/order.ts";
import { PaymentMethodOption } from "../../contracts/payment.ts";
import { Category, Product, ProductSummary, Variant } from "../../contracts/product.ts";
import { Address } from "../../contracts/user.ts";
import type { AppRouter } from "../../routers/index.ts";

const Ok = z.object({ ok: z.literal(true) });
const page = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

const Cart = z.object({
  token: z.string().nullable().describe("the guest cart token; null for a signed-in user's cart"),
  lines: z.array(CartLine),
  itemCount: z.int(),
  shippingOptions: z.array(ShippingOption),
  shippingOptionId: z.string().describe("the option the totals assume"),
  country: z.string().describe("the country the tax is computed for"),
  subtotal: MoneySum,
  shipping: Money,
  tax: MoneySum.describe("the tax contained in the total (prices include tax)"),
  total: MoneySum,
  taxRate: z.number(),
  taxIncluded: z.literal(true),
});

/** As stored: the input schema's upper-casing transform has run. */
const StoredShippingAddress = ShippingAddress.extend({
  country: z.string().describe("ISO 3166-1 alpha-2, upper case"),
});

const Order = z.object({
  id: Id,
  number: z.int(),
  status: OrderStatus,
  lines: z.array(OrderLine),
  subtotal: Money,
  shipping: Money,
  tax: Money,
  total: Money,
  taxIncluded: z.literal(true),
  shippingAddress: StoredShippingAddress,
  shippingOption: z.object({ id: z.string(), name: z.string() }),
  email: z.string(),
  statusReason: z.string().nullable().describe("why the order ended as it did (decline reason, …)"),
  createdAt: z.date(),
  updatedAt: z.date(),
});

const PaymentMethod = PaymentMethodOption.extend({
  id: z.string().describe("pass it to order.checkout as paymentMethodId"),
});

export const outputs = {
  auth: { signup: SignedIn, login: SignedIn, logout: Ok, me: User.nullable() },
  user: {
    me: User,
    update: User,
    changePassword: Ok,
    addresses: { list: z.array(Address), get: Address, add: Address, update: Address, remove: Ok },
  },
  product: {
    list: page(ProductSummary),
    get: Product,
    categories: z.array(Category),
    create: Product,
    update: Product,
    archive: Product,
    setStock: Variant,
    createCategory: Category,
  },
  cart: { get: Cart, addItem: Cart, setQuantity: Cart, removeItem: Cart, clear: Cart },
  order: {
    checkout: Order,
    get: Order,
    list: page(Order),
    cancel: Order,
    listAll: page(Order),
    fulfil: Order,
  },
  payment: { methods: z.array(PaymentMethod).readonly() },
  notification: { list: page(EmailMessage) },
};

/** One spelling per shape: no readonly, no intersections, tuples as arrays. */
type Plain<T> = T extends Date
  ? Date
  : T extends readonly (infer U)[]
    ? Plain<U>[]
    : T extends object
      ? { -readonly [K in keyof T]: Plain<T[K]> }
      : T;
type Same<A, B> =
  (<X>() => X extends Plain<A> ? 1 : 2) extends <X>() => X extends Plain<B> ? 1 : 2 ? true : false;
type Fits<S extends z.ZodType, O> =
  Same<z.output<S>, O> extends true ? S : { "differs from the procedure's output": O };
type Checked<S, O> = {
  [K in keyof O]: K extends keyof S
    ? S[K] extends z.ZodType
      ? Fits<S[K], O[K]>
      : Checked<S[K], O[K]>
    : never;
} & { [K in Exclude<keyof S, keyof O>]: "no such procedure" };

export const checked: Checked<typeof outputs, inferRouterOutputs<AppRouter>> = outputs;
