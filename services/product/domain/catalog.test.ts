import { describe, expect, it } from "bun:test";
import { decodeCursor, effectiveSort, encodeCursor, listingFacts, slugify, variantTitle } from "./catalog.ts";

describe("catalog rules", () => {
  it("makes readable slugs from titles", () => {
    expect(slugify("Linen Shirt — Navy!")).toBe("linen-shirt-navy");
    expect(slugify("Crème Brûlée Mug")).toBe("creme-brulee-mug");
    expect(slugify("!!!")).toBe("product");
  });

  it("titles variants by their option values in option order", () => {
    const options = [{ name: "Size" }, { name: "Colour" }];
    expect(variantTitle(options, { Colour: "Navy", Size: "M" })).toBe("M / Navy");
    expect(variantTitle([], {})).toBe("Default");
  });

  it("lists a product from its cheapest variant and any stock", () => {
    const facts = listingFacts([
      { price: 900, currency: "EUR", stock: 0 },
      { price: 700, currency: "EUR", stock: 0 },
    ]);
    expect(facts).toEqual({ priceFrom: 700, currency: "EUR", inStock: false });
    expect(listingFacts([{ price: 1, currency: "EUR", stock: 2 }]).inStock).toBe(true);
  });

  it("sorts by relevance only when there is a query", () => {
    expect(effectiveSort(undefined, "shirt")).toBe("relevance");
    expect(effectiveSort("relevance", undefined)).toBe("newest");
    expect(effectiveSort("price_asc", "shirt")).toBe("price_asc");
  });

  it("round-trips cursors and refuses one from another sort or a forged one", () => {
    const cursor = { sort: "price_asc" as const, key: 500, id: "0190a000-0000-7000-8000-000000000000" };
    expect(decodeCursor(encodeCursor(cursor), "price_asc")).toEqual(cursor);
    expect(() => decodeCursor(encodeCursor(cursor), "newest")).toThrow("cursor does not belong");
    expect(() => decodeCursor("bm9wZQ", "newest")).toThrow("cursor does not belong");
  });
});
