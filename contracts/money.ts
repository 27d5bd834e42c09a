import { z } from "zod";
import { MinorUnits } from "./common.ts";

export const Currency = z.enum(["EUR", "USD", "GBP"]);
export type Currency = z.infer<typeof Currency>;

/** Money as a contract takes it: integer minor units (at most INT_MAX) plus an ISO currency. Never floats. */
export const Money = z.strictObject({
  amount: MinorUnits,
  currency: Currency,
});
export type Money = z.infer<typeof Money>;

/**
 * A sum of prices (a cart line's total, a cart's totals): whole minor units like Money, but not
 * capped at INT_MAX. A cart may hold more than one order can total; the checkout refuses that order
 * (ORDER.TOTAL_TOO_LARGE), so the sum must reach it intact, also across a process boundary.
 */
export const MoneySum = z.strictObject({
  amount: z.int({ message: "expected a whole number" }).min(0, { message: "must be at least 0" }),
  currency: Currency,
});

/** A sum of money that breaks the rules below: a bug in the caller, never something a customer sent. */
export class MoneyError extends Error {
  override readonly name = "MoneyError";
}

/**
 * The one way services make Money: refuses floats, negative or unsafe amounts and unknown currencies.
 * A computed sum may exceed what a contract accepts (INT_MAX); whoever stores it checks that bound.
 * @example money(1290, "EUR") // { amount: 1290, currency: "EUR" }; money(12.9, "EUR") throws
 */
export function money(amount: number, currency: string): Money {
  if (!Number.isSafeInteger(amount) || amount < 0) {
    throw new MoneyError(`money is a whole, non-negative number of minor units; got ${amount}`);
  }
  const known = Currency.safeParse(currency);
  if (!known.success) {
    throw new MoneyError(
      `unknown currency ${JSON.stringify(currency)}; expected ${Currency.options.join(", ")}`,
    );
  }
  return { amount, currency: known.data };
}

/** Nothing, in `currency`. */
export const zero = (currency: Currency): Money => money(0, currency);

function sameCurrency(a: Money, b: Money) {
  if (a.currency !== b.currency)
    throw new MoneyError(`cannot add amounts in ${a.currency} and ${b.currency}`);
}

/** `a + b`; both must be in one currency. */
export function add(a: Money, b: Money): Money {
  sameCurrency(a, b);
  return money(a.amount + b.amount, a.currency);
}

/** `price × quantity`: a whole, non-negative count (a quantity, never a rate). */
export function multiply(price: Money, quantity: number): Money {
  if (!Number.isSafeInteger(quantity) || quantity < 0) {
    throw new MoneyError(`money is multiplied by whole, non-negative counts; got ${quantity}`);
  }
  return money(price.amount * quantity, price.currency);
}

/**
 * The total of `amounts`, all in `currency` (the total of nothing is zero in it).
 * @example sum("EUR", lines.map((l) => l.lineTotal))
 */
export function sum(currency: Currency, amounts: readonly Money[]): Money {
  return amounts.reduce(add, zero(currency));
}
