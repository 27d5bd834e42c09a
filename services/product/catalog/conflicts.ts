import type { DomainError } from "../../../contracts/errors.ts";
import { uniqueViolation } from "../../../platform/db/unique-violation.ts";
import { productErrors } from "../domain/product.errors.ts";

const byConstraint = new Map<string, () => DomainError>([
  ["products_slug", productErrors.slugTaken],
  ["variants_sku", productErrors.skuTaken],
  ["categories_slug", productErrors.categoryTaken],
]);

/** The readable conflict a failed catalog write means (a slug or SKU already taken), else the error itself. */
export function asConflict(error: unknown): unknown {
  const constraint = uniqueViolation(error);
  return (constraint && byConstraint.get(constraint)?.()) ?? error;
}
