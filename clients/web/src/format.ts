import type { Money } from "../../../contracts/money.ts";
import type { OrderStatus } from "../../../contracts/order.ts";
import { DEFAULT_VARIANT_TITLE } from "../../../contracts/product.ts";

const currencies = new Map<string, Intl.NumberFormat>();

/** `{ amount: 1290, currency: "EUR" }` → "€12.90". */
export function money(value: Money): string {
  let format = currencies.get(value.currency);
  if (!format) {
    format = new Intl.NumberFormat("en-IE", { style: "currency", currency: value.currency });
    currencies.set(value.currency, format);
  }
  return format.format(value.amount / 100);
}

/** "12.50" or "12,50" → 1250 minor units; null when it is not a price. */
export function parseMoney(text: string): number | null {
  const normalized = text.trim().replace(/^€\s*/, "").replace(",", ".");
  if (!/^\d+(\.\d{1,2})?$/.test(normalized)) return null;
  return Math.round(Number(normalized) * 100);
}

/** 1250 → "12.50", for an input's value. */
export const moneyInput = (minor: number) => (minor / 100).toFixed(2);

const dateFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium" });
const dateTimeFormat = new Intl.DateTimeFormat("en-GB", { dateStyle: "medium", timeStyle: "short" });
export const date = (d: Date) => dateFormat.format(d);
export const dateTime = (d: Date) => dateTimeFormat.format(d);

export const STATUS_LABELS: Record<OrderStatus, string> = {
  pending: "Pending",
  awaiting_payment: "Awaiting payment",
  paid: "Paid",
  fulfilled: "Fulfilled",
  cancelled: "Cancelled",
  payment_failed: "Payment failed",
  refunded: "Refunded",
};

export const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/** A variant's name worth showing next to its product ("M / Sage"); nothing for a product's only variant. */
export const variantLabel = (line: { title: string; variantTitle: string }) =>
  line.variantTitle && line.variantTitle !== line.title && line.variantTitle !== DEFAULT_VARIANT_TITLE
    ? line.variantTitle
    : "";
