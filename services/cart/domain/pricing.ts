import type { ShippingOption, Totals } from "../../../contracts/cart.ts";
import type { Currency, Money } from "../../../contracts/common.ts";
import { DomainError } from "../../../contracts/errors.ts";

/** Flat-rate shipping. Standard ships free from `freeFrom` (in minor units, before shipping). */
export const shippingRates = [
  { id: "standard", name: "Standard", amount: 490, freeFrom: 6000, estimatedDays: "3–5 business days" },
  { id: "express", name: "Express", amount: 1290, freeFrom: null, estimatedDays: "1–2 business days" },
] as const;
export type ShippingRateId = (typeof shippingRates)[number]["id"];

/** Tax rates in percent by ISO country, with `*` for everywhere else. */
export type TaxRates = Record<string, number>;

const money = (amount: number, currency: Currency): Money => ({ amount, currency });

export function shippingOptionsFor(subtotal: number, currency: Currency): ShippingOption[] {
  return shippingRates.map((r) => ({
    id: r.id,
    name: r.name,
    estimatedDays: r.estimatedDays,
    price: money(r.freeFrom !== null && subtotal >= r.freeFrom ? 0 : r.amount, currency),
  }));
}

export function taxRateFor(country: string, rates: TaxRates): number {
  return rates[country.toUpperCase()] ?? rates["*"] ?? 0;
}

/**
 * The totals of a set of priced lines. Prices include tax (as EU shops must show them): the total is
 * subtotal + shipping, and `tax` is the part of it that is tax at the destination's rate, rounded
 * half-up to the minor unit.
 * @example priceLines([{ unitPrice: 1190, quantity: 2 }], { currency: "EUR", country: "DE", taxRates: { DE: 19 } })
 */
export function priceLines(
  lines: readonly { unitPrice: number; quantity: number }[],
  options: { currency: Currency; country: string; shippingOptionId?: string; taxRates: TaxRates },
): Totals & { shippingOptionId: string; shippingOptions: ShippingOption[] } {
  const { currency } = options;
  const subtotal = lines.reduce((sum, l) => sum + l.unitPrice * l.quantity, 0);
  const shippingOptions = shippingOptionsFor(subtotal, currency);
  const chosen = options.shippingOptionId
    ? shippingOptions.find((o) => o.id === options.shippingOptionId)
    : shippingOptions.reduce((a, b) => (b.price.amount < a.price.amount ? b : a));
  if (!chosen) {
    throw new DomainError(
      "BAD_REQUEST",
      "CART.UNKNOWN_SHIPPING_OPTION",
      `there is no shipping option '${options.shippingOptionId}'; choose one of ${shippingOptions.map((o) => o.id).join(", ")}`,
    );
  }
  const shipping = lines.length === 0 ? 0 : chosen.price.amount;
  const total = subtotal + shipping;
  const taxRate = taxRateFor(options.country, options.taxRates);
  const tax = Math.round((total * taxRate) / (100 + taxRate));
  return {
    subtotal: money(subtotal, currency),
    shipping: money(shipping, currency),
    tax: money(tax, currency),
    total: money(total, currency),
    taxRate,
    taxIncluded: true,
    shippingOptionId: chosen.id,
    shippingOptions,
  };
}
