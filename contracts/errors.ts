/**
 * Error codes cross process boundaries as strings (`PRODUCT.NOT_FOUND`), unlike `instanceof`.
 * The part before the dot names the owner; `kind` is the tRPC code it becomes at the edge.
 */
export const ErrorKind = [
  "BAD_REQUEST",
  "UNAUTHORIZED",
  "FORBIDDEN",
  "NOT_FOUND",
  "CONFLICT",
  "PRECONDITION_FAILED",
  "TOO_MANY_REQUESTS",
  "PAYMENT_REQUIRED",
] as const;
export type ErrorKind = (typeof ErrorKind)[number];

export class DomainError extends Error {
  override readonly name = "DomainError";
  constructor(
    readonly kind: ErrorKind,
    readonly code: `${string}.${string}`,
    message: string,
    readonly details?: Record<string, unknown>,
  ) {
    super(message);
  }
}
