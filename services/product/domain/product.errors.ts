import { DomainError } from "../../../contracts/errors.ts";
import { variantDisplayName } from "../../../contracts/product.ts";

/** What a checkout learns about a line it could not take out of stock. */
export type ShortLine = { title: string; variantTitle: string; stock: number; status: string };

/** Every error the product service raises, by code; messages say what was refused and why. */
export const productErrors = {
  notFound: () => new DomainError("NOT_FOUND", "PRODUCT.NOT_FOUND", "product not found"),
  variantNotFound: () => new DomainError("NOT_FOUND", "PRODUCT.VARIANT_NOT_FOUND", "variant not found"),
  unknownCategory: (slug: string) =>
    new DomainError("BAD_REQUEST", "PRODUCT.UNKNOWN_CATEGORY", `there is no category '${slug}'`),
  currencyMismatch: (currency: string) =>
    new DomainError("BAD_REQUEST", "PRODUCT.CURRENCY_MISMATCH", `prices of this product are in ${currency}`),
  slugTaken: () =>
    new DomainError("CONFLICT", "PRODUCT.SLUG_TAKEN", "another product already uses this slug"),
  skuTaken: () =>
    new DomainError("CONFLICT", "PRODUCT.SKU_TAKEN", "another variant already uses one of these SKUs"),
  categoryTaken: () =>
    new DomainError("CONFLICT", "PRODUCT.CATEGORY_TAKEN", "a category with this slug already exists"),
  noReservation: () =>
    new DomainError("CONFLICT", "PRODUCT.NO_RESERVATION", "this order holds no stock reservation"),
  /** `Linen Shirt (M / Navy) has only 2 left`; `an item …` when the variant is gone altogether. */
  outOfStock: (variantId: string, line: ShortLine | undefined) => {
    const name = line ? variantDisplayName(line) : "an item";
    const why =
      line?.status !== "active"
        ? "is no longer sold"
        : line.stock === 0
          ? "is sold out"
          : `has only ${line.stock} left`;
    return new DomainError("CONFLICT", "PRODUCT.OUT_OF_STOCK", `${name} ${why}`, { variantId });
  },
};
