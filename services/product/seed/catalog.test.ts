import { describe, expect, test } from "bun:test";
import { Slug } from "../../../contracts/common.ts";
import { CreateProductInput } from "../../../contracts/product.ts";
import { seedCategories, seedProducts } from "./catalog.ts";
import { escapeXml, productImageSvg } from "./images.ts";

/** Tags open and close in order, and every `&` starts an entity. Enough to catch broken string-built XML. */
function wellFormed(svg: string): string | null {
  const stack: string[] = [];
  for (const m of svg.matchAll(/<(\/?)([A-Za-z][\w:-]*)[^>]*?(\/?)>/g)) {
    const [, closing, name = "", selfClosing] = m;
    if (selfClosing) continue;
    if (!closing) stack.push(name);
    else if (stack.pop() !== name) return `unexpected </${name}>`;
  }
  if (stack.length) return `unclosed <${stack.join(">, <")}>`;
  if (/&(?!(?:amp|lt|gt|quot|apos|#\d+|#x[0-9a-fA-F]+);)/.test(svg)) return "unescaped &";
  const text = svg.replace(/<[^>]*>/g, "");
  if (text.includes("<") || text.includes(">")) return "stray < or > in text";
  return null;
}

describe("seed catalog", () => {
  test("every product parses with CreateProductInput", () => {
    for (const product of seedProducts) {
      const result = CreateProductInput.safeParse(product);
      if (!result.success) throw new Error(`${product.slug}: ${JSON.stringify(result.error.issues)}`);
    }
  });

  test("has enough products and categories, and no empty category", () => {
    expect(seedProducts.length).toBeGreaterThanOrEqual(60);
    expect(seedCategories.length).toBeGreaterThanOrEqual(6);
    for (const category of seedCategories) {
      expect(seedProducts.filter((p) => p.category === category.slug).length).toBeGreaterThan(0);
    }
  });

  test("category slugs and names are unique and valid", () => {
    expect(new Set(seedCategories.map((c) => c.slug)).size).toBe(seedCategories.length);
    expect(new Set(seedCategories.map((c) => c.name)).size).toBe(seedCategories.length);
    for (const c of seedCategories) expect(Slug.safeParse(c.slug).success).toBe(true);
  });

  test("product slugs are present, valid and unique", () => {
    const slugs = seedProducts.map((p) => p.slug);
    for (const slug of slugs) expect(Slug.safeParse(slug).success).toBe(true);
    expect(new Set(slugs).size).toBe(slugs.length);
  });

  test("SKUs are unique across the whole catalog", () => {
    const skus = seedProducts.flatMap((p) => p.variants.map((v) => v.sku));
    const seen = new Set<string>();
    const duplicates = skus.filter((sku) => seen.has(sku) || !seen.add(sku));
    expect(duplicates).toEqual([]);
  });

  test("every product's category exists", () => {
    const categories = new Set(seedCategories.map((c) => c.slug));
    for (const p of seedProducts) expect(categories.has(p.category)).toBe(true);
  });

  test("prices are EUR, integer cents, between 4.50 € and 240 €", () => {
    for (const p of seedProducts) {
      for (const v of p.variants) {
        expect(v.price.currency).toBe("EUR");
        expect(Number.isInteger(v.price.amount)).toBe(true);
        expect(v.price.amount).toBeGreaterThanOrEqual(450);
        expect(v.price.amount).toBeLessThanOrEqual(24000);
      }
    }
  });

  test("stock is realistic: some variants sold out, at least two products fully sold out", () => {
    const stock = (p: CreateProductInput) => p.variants.map((v) => v.stock ?? 0);
    const soldOut = seedProducts.filter((p) => stock(p).every((s) => s === 0));
    const partly = seedProducts.filter((p) => stock(p).some((s) => s === 0) && stock(p).some((s) => s > 0));
    expect(soldOut.length).toBeGreaterThanOrEqual(2);
    expect(soldOut.length).toBeLessThan(seedProducts.length / 10);
    expect(partly.length).toBeGreaterThanOrEqual(3);
  });

  test("has a mix of option shapes", () => {
    const byOptionCount = (n: number) => seedProducts.filter((p) => (p.options ?? []).length === n).length;
    expect(byOptionCount(0)).toBeGreaterThanOrEqual(10);
    expect(byOptionCount(1)).toBeGreaterThanOrEqual(10);
    expect(byOptionCount(2)).toBeGreaterThanOrEqual(10);
    for (const p of seedProducts)
      if ((p.options ?? []).length === 0) expect(p.variants[0]?.options).toEqual({});
  });

  test("descriptions read like copy, not placeholders", () => {
    for (const p of seedProducts) {
      expect((p.description ?? "").length).toBeGreaterThan(40);
      expect(p.description?.toLowerCase()).not.toContain("lorem");
    }
  });
});

describe("seed product images", () => {
  test("every product's image is /media/products/<slug>.svg and renders", () => {
    for (const p of seedProducts) {
      const slug = p.slug ?? "";
      expect(p.image).toBe(`/media/products/${slug}.svg`);
      const svg = productImageSvg(slug);
      if (svg === null) throw new Error(`no image for ${slug}`);
      expect(svg.startsWith("<svg")).toBe(true);
      expect(svg.trimEnd().endsWith("</svg>")).toBe(true);
      expect(wellFormed(svg)).toBeNull();
      // the (possibly wrapped) title is there, escaped
      for (const word of p.title.split(" ")) expect(svg).toContain(escapeXml(word));
      expect(svg).toContain(`aria-label="${escapeXml(p.title)}"`);
    }
  });

  test("titles with & are escaped", () => {
    const withAmp = seedProducts.filter((p) => p.title.includes("&"));
    expect(withAmp.length).toBeGreaterThan(0);
    for (const p of withAmp) {
      const svg = productImageSvg(p.slug ?? "") ?? "";
      expect(svg).toContain(escapeXml(p.title));
      expect(svg).toContain("&amp;");
      expect(svg).not.toContain(p.title);
      expect(wellFormed(svg)).toBeNull();
    }
  });

  test("is deterministic, varies by product, and fetches nothing", () => {
    const a = productImageSvg("linen-tee");
    expect(a).toBe(productImageSvg("linen-tee"));
    expect(a).not.toBe(productImageSvg("stoneware-mug"));
    for (const p of seedProducts) {
      const svg = productImageSvg(p.slug ?? "") ?? "";
      expect(svg).not.toMatch(/https?:\/\/(?!www\.w3\.org\/2000\/svg")/);
      expect(svg).not.toMatch(/<image|@import|@font-face|href=/);
    }
  });

  test("unknown slugs have no image", () => {
    expect(productImageSvg("no-such-product")).toBeNull();
    expect(productImageSvg("")).toBeNull();
    expect(productImageSvg("../../etc/passwd")).toBeNull();
  });

  test("escapeXml escapes the five XML specials", () => {
    expect(escapeXml(`Fig & Cedar <"Soy"> 'Candle'`)).toBe(
      "Fig &amp; Cedar &lt;&quot;Soy&quot;&gt; &apos;Candle&apos;",
    );
  });
});
