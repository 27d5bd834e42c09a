import { describe, expect, it } from "bun:test";
import { priceLines, taxRateFor } from "./pricing.ts";

const rates = { DE: 19, US: 0, "*": 20 };
const eur = (amount: number) => ({ amount, currency: "EUR" as const });

describe("cart pricing", () => {
  it("adds shipping to the subtotal and shows the tax the total includes", () => {
    const totals = priceLines([{ unitPrice: eur(1190), quantity: 2 }], {
      currency: "EUR",
      country: "DE",
      taxRates: rates,
    });
    expect(totals).toMatchObject({ subtotal: eur(2380), shipping: eur(490), total: eur(2870), taxRate: 19 });
    expect(totals.tax).toEqual(eur(458)); // 2870 × 19 / 119 = 458.2
  });

  it("ships standard for free from 60 € and charges express anyway", () => {
    const lines = [{ unitPrice: eur(6000), quantity: 1 }];
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

  it("prices shipping in the cart's own currency, not euro cents in any currency", () => {
    const gbp = (amount: number) => ({ amount, currency: "GBP" as const });
    const usd = (amount: number) => ({ amount, currency: "USD" as const });
    const inPounds = priceLines([{ unitPrice: gbp(1000), quantity: 1 }], {
      currency: "GBP",
      country: "GB",
      taxRates: rates,
    });
    expect(inPounds.shippingOptions.map((o) => o.price)).toEqual([gbp(420), gbp(1090)]);
    expect(inPounds.total).toEqual(gbp(1420));
    const inDollars = priceLines([{ unitPrice: usd(6500), quantity: 1 }], {
      currency: "USD",
      country: "US",
      taxRates: rates,
    });
    expect(inDollars.shipping).toEqual(usd(550)); // free only from $70, where euros ship free from 60 €
  });

  it("refuses lines in another currency than the cart's", () => {
    expect(() =>
      priceLines([{ unitPrice: { amount: 100, currency: "USD" }, quantity: 1 }], {
        currency: "EUR",
        country: "DE",
        taxRates: rates,
      }),
    ).toThrow("cannot add");
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
      priceLines([{ unitPrice: eur(1000), quantity: 1 }], { currency: "EUR", country: "US", taxRates: rates })
        .tax,
    ).toEqual(eur(0));
  });

  it("refuses a shipping option that does not exist", () => {
    expect(() =>
      priceLines([], { currency: "EUR", country: "DE", taxRates: rates, shippingOptionId: "drone" }),
    ).toThrow("there is no shipping option 'drone'");
  });
});
