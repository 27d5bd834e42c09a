import { z } from "zod";
import { Cursor, Id, MinorUnits, PagingDirection, Slug, text, wholeNumber } from "./common.ts";
import { Money } from "./money.ts";

export const Category = z.object({ id: Id, slug: z.string(), name: z.string(), productCount: z.int() });
export type Category = z.infer<typeof Category>;

export const ProductSummary = z.object({
  id: Id,
  slug: z.string(),
  title: z.string(),
  category: z.object({ slug: z.string(), name: z.string() }),
  image: z.string(),
  priceFrom: Money,
  inStock: z.boolean(),
});
export type ProductSummary = z.infer<typeof ProductSummary>;

export const Variant = z.object({
  id: Id,
  sku: z.string(),
  title: z.string(),
  options: z.record(z.string(), z.string()),
  price: Money,
  stock: z.int(),
});
export type Variant = z.infer<typeof Variant>;

/** An option's name or value (`Size`, `M`); also the keys and values of a variant's `options`. */
const OptionText = text({ min: 1, max: 40 });

export const ProductOption = z.strictObject({
  name: OptionText,
  values: z.array(OptionText).min(1).max(30),
});
export type ProductOption = z.infer<typeof ProductOption>;

export const Product = ProductSummary.extend({
  description: z.string(),
  options: z.array(z.object({ name: z.string(), values: z.array(z.string()) })),
  variants: z.array(Variant),
  status: z.enum(["active", "archived"]),
  createdAt: z.date(),
});
export type Product = z.infer<typeof Product>;

export const ProductSort = z.enum(["relevance", "price_asc", "price_desc", "newest"]);
export type ProductSort = z.infer<typeof ProductSort>;

export const ListProductsInput = z
  .strictObject({
    cursor: Cursor.optional(),
    direction: PagingDirection,
    limit: wholeNumber(1, 100).default(24),
    category: Slug.optional(),
    minPrice: MinorUnits.optional(),
    maxPrice: MinorUnits.optional(),
    q: text({ max: 200 }).optional(),
    sort: ProductSort.optional(),
  })
  .refine((i) => i.minPrice === undefined || i.maxPrice === undefined || i.minPrice <= i.maxPrice, {
    message: "minPrice must not exceed maxPrice",
    path: ["minPrice"],
  })
  .default({ limit: 24 });
export type ListProductsInput = z.infer<typeof ListProductsInput>;

export const GetProductInput = z.union([z.strictObject({ id: Id }), z.strictObject({ slug: Slug })]);
export type GetProductInput = z.infer<typeof GetProductInput>;

const Sku = z
  .string()
  .trim()
  .min(1)
  .max(64)
  .regex(/^[A-Za-z0-9._-]+$/, { message: "a SKU holds letters, digits, '.', '_' and '-'" });
const Stock = wholeNumber(0, 1_000_000);

const VariantTitle = text({ min: 1, max: 120 });
const ProductTitle = text({ min: 1, max: 200 });
const Description = text({ max: 10_000, multiline: true });
/** Where the product's picture is: a path on this shop or an https URL. */
const ImageUrl = text({ max: 2048 });

export const NewVariant = z.strictObject({
  sku: Sku,
  title: VariantTitle.optional(),
  options: z.record(OptionText, OptionText).default({}),
  price: Money,
  stock: Stock.default(0),
});
export type NewVariant = z.input<typeof NewVariant>;

export const CreateProductInput = z
  .strictObject({
    slug: Slug.optional(),
    title: ProductTitle,
    description: Description.default(""),
    category: Slug,
    image: ImageUrl.optional(),
    options: z.array(ProductOption).max(3).default([]),
    variants: z.array(NewVariant).min(1).max(100),
  })
  .superRefine((p, ctx) => {
    const currencies = new Set(p.variants.map((v) => v.price.currency));
    if (currencies.size > 1)
      ctx.addIssue({
        code: "custom",
        path: ["variants"],
        message: "all variants of a product share one currency",
      });
    if (p.options.length === 0 && p.variants.length !== 1)
      ctx.addIssue({
        code: "custom",
        path: ["variants"],
        message: "a product without options has exactly one variant",
      });
    for (const [i, v] of p.variants.entries()) {
      for (const option of p.options) {
        if (!option.values.includes(v.options[option.name] ?? ""))
          ctx.addIssue({
            code: "custom",
            path: ["variants", i, "options", option.name],
            message: `expected one of ${option.values.join(", ")}`,
          });
      }
      const extra = Object.keys(v.options).filter((k) => !p.options.some((o) => o.name === k));
      if (extra.length)
        ctx.addIssue({
          code: "custom",
          path: ["variants", i, "options"],
          message: `unknown option ${extra.join(", ")}`,
        });
    }
    const combos = new Set(p.variants.map((v) => JSON.stringify(p.options.map((o) => v.options[o.name]))));
    if (combos.size !== p.variants.length)
      ctx.addIssue({ code: "custom", path: ["variants"], message: "two variants have the same options" });
  });
export type CreateProductInput = z.input<typeof CreateProductInput>;
export type CreateProduct = z.output<typeof CreateProductInput>;

export const UpdateProductInput = z.strictObject({
  id: Id,
  slug: Slug.optional(),
  title: ProductTitle.optional(),
  description: Description.optional(),
  category: Slug.optional(),
  image: ImageUrl.optional(),
  variants: z
    .array(
      z.strictObject({
        id: Id,
        sku: Sku.optional(),
        title: VariantTitle.optional(),
        price: Money.optional(),
      }),
    )
    .max(100)
    .optional(),
});
export type UpdateProductInput = z.infer<typeof UpdateProductInput>;

export const ProductIdInput = z.strictObject({ id: Id });
export const CreateCategoryInput = z.strictObject({ slug: Slug, name: text({ min: 1, max: 80 }) });
export const SetStockInput = z.strictObject({ variantId: Id, stock: Stock });
export type SetStockInput = z.infer<typeof SetStockInput>;

/** The title of a product's only variant (a product without options). */
export const DEFAULT_VARIANT_TITLE = "Default";

/**
 * How a variant is named to a shopper: the product's title, with the variant's after it unless it is
 * the product's only variant.
 * @example variantDisplayName({ title: "Linen shirt", variantTitle: "M / Sage" }) // "Linen shirt (M / Sage)"
 */
export const variantDisplayName = (v: { title: string; variantTitle: string }) =>
  v.variantTitle === DEFAULT_VARIANT_TITLE ? v.title : `${v.title} (${v.variantTitle})`;

/** What the cart and the order saga need to price and check a variant. */
export type VariantInfo = {
  id: string;
  productId: string;
  sku: string;
  title: string;
  variantTitle: string;
  image: string;
  price: Money;
  stock: number;
  /** False once the product is archived: it can no longer be bought. */
  purchasable: boolean;
};

export type ReservationLine = { variantId: string; quantity: number };
export type ReservationState = "none" | "held" | "committed" | "released";

/** The product service as routers and other services see it. */
export interface ProductApi {
  list(input: ListProductsInput): Promise<{ items: ProductSummary[]; nextCursor: string | null }>;
  get(input: GetProductInput): Promise<Product>;
  categories(): Promise<Category[]>;
  create(input: CreateProduct): Promise<Product>;
  update(input: UpdateProductInput): Promise<Product>;
  archive(id: string): Promise<Product>;
  setStock(input: SetStockInput): Promise<Variant>;
  createCategory(input: { slug: string; name: string; position?: number }): Promise<Category>;

  /** Fresh facts about variants, read from the database (unknown ids are left out): for the checkout. */
  variants(ids: readonly string[]): Promise<VariantInfo[]>;
  /**
   * The same facts as a product page shows them, from the catalog and stock caches (a staff write or
   * a movement of the product's stock replaces them at once), for showing a cart and checking what is
   * put in it; misses read the database (ADR 146).
   */
  cachedVariants(ids: readonly string[]): Promise<VariantInfo[]>;
  /**
   * Takes the units out of stock for an order, all or nothing (CONFLICT naming the first variant that
   * is short). Idempotent per order: a second call finds the existing reservation.
   */
  reserve(orderId: string, lines: readonly ReservationLine[], ttlMs: number): Promise<void>;
  /** Marks the order's units sold. A reservation that expired meanwhile is re-taken if stock allows (else CONFLICT). */
  commitReservation(orderId: string): Promise<void>;
  /** Puts the order's units (held or sold) back on the shelf. Idempotent. */
  releaseReservation(orderId: string): Promise<void>;
  reservationState(orderId: string): Promise<ReservationState>;
  /** Releases every held reservation whose time is up (by the database's clock); returns how many orders. */
  releaseExpiredReservations(): Promise<number>;
}
