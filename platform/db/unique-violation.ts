/**
 * The unique constraint a failed statement broke, or null when it failed for another reason. Both
 * drivers raise Postgres's SQLSTATE 23505 (with the constraint's name where the driver reports it), and
 * drizzle wraps the driver's error, so the chain of causes is searched.
 * @example
 * catch (error) { if (uniqueViolation(error) === "users_email_unique") throw emailTaken(); throw error; }
 */
export function uniqueViolation(error: unknown): string | null {
  for (
    let e = error as { code?: unknown; constraint?: unknown; cause?: unknown } | undefined;
    e && typeof e === "object";
    e = e.cause as typeof e
  ) {
    if (e.code === "23505") return typeof e.constraint === "string" ? e.constraint : "unique";
  }
  return null;
}

/** Whether a failed statement broke a unique constraint (any of them). */
export const isUniqueViolation = (error: unknown): boolean => uniqueViolation(error) !== null;
