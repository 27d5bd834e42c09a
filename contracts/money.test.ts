import { describe, expect, it } from "bun:test";
import { add, MoneyError, money, multiply, sum, zero } from "./money.ts";

describe("money", () => {
  it("is whole, non-negative minor units in a known currency", () => {
    expect(money(1290, "EUR")).toEqual({ amount: 1290, currency: "EUR" });
    expect(money(0, "GBP")).toEqual(zero("GBP"));
    for (const amount of [12.9, -1, Number.NaN, Number.POSITIVE_INFINITY, 2 ** 53]) {
      expect(() => money(amount, "EUR")).toThrow(MoneyError);
    }
    expect(() => money(100, "eur")).toThrow('unknown currency "eur"; expected EUR, USD, GBP');
  });

  it("adds, multiplies and sums within one currency", () => {
    expect(add(money(100, "USD"), money(250, "USD"))).toEqual(money(350, "USD"));
    expect(multiply(money(1190, "EUR"), 3)).toEqual(money(3570, "EUR"));
    expect(sum("EUR", [money(1, "EUR"), money(2, "EUR"), money(3, "EUR")])).toEqual(money(6, "EUR"));
    expect(sum("GBP", [])).toEqual(zero("GBP"));
  });

  it("refuses to mix currencies or multiply by anything but a whole count", () => {
    expect(() => add(money(100, "EUR"), money(100, "USD"))).toThrow("cannot add amounts in EUR and USD");
    expect(() => sum("EUR", [money(1, "EUR"), money(1, "GBP")])).toThrow(MoneyError);
    expect(() => sum("USD", [money(1, "EUR")])).toThrow(MoneyError);
    expect(() => multiply(money(100, "EUR"), 1.19)).toThrow(MoneyError);
    expect(() => multiply(money(100, "EUR"), -2)).toThrow(MoneyError);
  });
});
