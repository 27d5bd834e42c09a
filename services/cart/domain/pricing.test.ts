import { describe, expect, it } from "bun:test";
import { priceLines, taxRateFor } from "./pricing.ts";

const rates = { DE: 19, US: 0, "*": 20 };
const eur = (amount: number) => ({ amount, currency: "EUR" as const });

describe("cart pricing", () => {
  it("adds shipping to the subtotal and shows the tax the total includes", () => {
    const totals = priceLines([{ unitPrice: 1190, quantity: 2 }], {
      currency: "EUR",
      country: "DE",
      taxRates: rates,
    });
    expect(totals).toMatchObject({ subtotal: eur(2380), shipping: eur(490), total: eur(2870), taxRate: 19 });
    expect(totals.tax).toEqual(eur(458)); // 2870 × 19 / 119 = 458.2
  });

  it("ships standard for free from 60 € and charges express anyway", () => {
    const lines = [{ unitPrice: 6000, quantity: 1 }];
    expect(priceLines(lines, { currency: "EUR", country: "DE", taxRates: rates }).shipping).toEqual(eur(0));
    const express = priceLines(lines, {
      currency: "EUR",
      country: "DE",
      taxRates: rates,
      shippingOptionId: "express",
    });
    expect(express.shipping).toEqual(eur(1290));
    expect(express.total).toEqual(eur(7290));
  });

  it("charges nothing for an empty cart", () => {
    expect(priceLines([], { currency: "EUR", country: "DE", taxRates: rates })).toMatchObject({
      total: eur(0),
      tax: eur(0),
    });
  });

  it("uses the destination's rate, or the default for countries without one", () => {
    expect(taxRateFor("us", rates)).toBe(0);
    expect(taxRateFor("FR", rates)).toBe(20);
    expect(
      priceLines([{ unitPrice: 1000, quantity: 1 }], { currency: "EUR", country: "US", taxRates: rates }).tax,
    ).toEqual(eur(0));
  });

  it("refuses a shipping option that does not exist", () => {
    expect(() =>
      priceLines([], { currency: "EUR", country: "DE", taxRates: rates, shippingOptionId: "drone" }),
    ).toThrow("there is no shipping option 'drone'");
  });
});
