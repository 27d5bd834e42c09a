import { describe, expect, it } from "bun:test";
import {
  decodeCursor,
  effectiveSort,
  encodeCursor,
  listingFacts,
  slugify,
  variantTitle,
  withStockLevels,
} from "./catalog.ts";

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

  it("gives a cached product page the units left now, and in stock only while some are", () => {
    const page = {
      title: "Linen Shirt",
      inStock: true,
      variants: [
        { id: "s", title: "S", stock: 3 },
        { id: "m", title: "M", stock: 1 },
      ],
    };
    expect(withStockLevels(page, { s: 2, m: 1 })).toEqual({
      title: "Linen Shirt",
      inStock: true,
      variants: [
        { id: "s", title: "S", stock: 2 },
        { id: "m", title: "M", stock: 1 },
      ],
    });
    expect(withStockLevels(page, { s: 0, m: 0 })).toMatchObject({ inStock: false });
    expect(withStockLevels({ ...page, inStock: false }, { s: 0, m: 4 })).toMatchObject({ inStock: true });
    expect(page.variants[0]!.stock).toBe(3); // the cached copy itself is left alone
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
