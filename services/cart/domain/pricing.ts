import type { ShippingOption, Totals } from "../../../contracts/cart.ts";
import { DomainError } from "../../../contracts/errors.ts";
import { add, type Currency, type Money, money, multiply, sum, zero } from "../../../contracts/money.ts";

/** A flat rate in one currency; standard shipping is free from `freeFrom` (the subtotal, in minor units). */
type Rate = { amount: number; freeFrom: number | null };

/**
 * Flat-rate shipping, priced in every currency the shop sells in (a new currency does not compile
 * until it has rates).
 */
export const shippingRates = [
  {
    id: "standard",
    name: "Standard",
    estimatedDays: "3–5 business days",
    rates: {
      EUR: { amount: 490, freeFrom: 6000 },
      USD: { amount: 550, freeFrom: 7000 },
      GBP: { amount: 420, freeFrom: 5000 },
    },
  },
  {
    id: "express",
    name: "Express",
    estimatedDays: "1–2 business days",
    rates: {
      EUR: { amount: 1290, freeFrom: null },
      USD: { amount: 1490, freeFrom: null },
      GBP: { amount: 1090, freeFrom: null },
    },
  },
] as const satisfies readonly {
  id: string;
  name: string;
  estimatedDays: string;
  rates: Record<Currency, Rate>;
}[];
export type ShippingRateId = (typeof shippingRates)[number]["id"];

/** Tax rates in percent by ISO country, with `*` for everywhere else. */
export type TaxRates = Record<string, number>;

export function shippingOptionsFor(subtotal: Money): ShippingOption[] {
  return shippingRates.map((r) => {
    const rate: Rate = r.rates[subtotal.currency];
    const free = rate.freeFrom !== null && subtotal.amount >= rate.freeFrom;
    return {
      id: r.id,
      name: r.name,
      estimatedDays: r.estimatedDays,
      price: free ? zero(subtotal.currency) : money(rate.amount, subtotal.currency),
    };
  });
}

export function taxRateFor(country: string, rates: TaxRates): number {
  return rates[country.toUpperCase()] ?? rates["*"] ?? 0;
}

/**
 * The totals of a set of priced lines, all in `currency`. Prices include tax (as EU shops must show
 * them): the total is subtotal + shipping, and `tax` is the part of it that is tax at the
 * destination's rate, rounded half-up to the minor unit.
 * @example priceLines([{ unitPrice: money(1190, "EUR"), quantity: 2 }], { currency: "EUR", country: "DE", taxRates: { DE: 19 } })
 */
export function priceLines(
  lines: readonly { unitPrice: Money; quantity: number }[],
  options: { currency: Currency; country: string; shippingOptionId?: string; taxRates: TaxRates },
): Totals & { shippingOptionId: string; shippingOptions: ShippingOption[] } {
  const { currency } = options;
  const subtotal = sum(
    currency,
    lines.map((l) => multiply(l.unitPrice, l.quantity)),
  );
  const shippingOptions = shippingOptionsFor(subtotal);
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
  const shipping = lines.length === 0 ? zero(currency) : chosen.price;
  const total = add(subtotal, shipping);
  const taxRate = taxRateFor(options.country, options.taxRates);
  return {
    subtotal,
    shipping,
    tax: money(Math.round((total.amount * taxRate) / (100 + taxRate)), currency),
    total,
    taxRate,
    taxIncluded: true,
    shippingOptionId: chosen.id,
    shippingOptions,
  };
}
