import type { DomainError } from "../../../contracts/errors.ts";
import { productErrors } from "../domain/product.errors.ts";

/** Postgres unique violations, by constraint name, across both drivers (drizzle wraps the driver error). */
function violatedConstraint(error: unknown): string | null {
  for (
    let e = error as { code?: string; constraint?: string; cause?: unknown } | undefined;
    e;
    e = e.cause as typeof e
  ) {
    if (e.code === "23505") return e.constraint ?? "unique";
  }
  return null;
}

const byConstraint = new Map<string, () => DomainError>([
  ["products_slug", productErrors.slugTaken],
  ["variants_sku", productErrors.skuTaken],
  ["categories_slug", productErrors.categoryTaken],
]);

/** The readable conflict a failed catalog write means (a slug or SKU already taken), else the error itself. */
export function asConflict(error: unknown): unknown {
  const constraint = violatedConstraint(error);
  return (constraint && byConstraint.get(constraint)?.()) ?? error;
}
