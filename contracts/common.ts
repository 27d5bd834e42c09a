import { z } from "zod";

/** Every id in fastr is a UUID (v7 when we mint it, so ids sort by creation time). */
export const Id = z.uuid({ message: "expected a UUID" });
export type Id = z.infer<typeof Id>;

export const Currency = z.enum(["EUR", "USD", "GBP"]);
export type Currency = z.infer<typeof Currency>;

/** Money is integer minor units plus an ISO currency. Never floats. */
export const Money = z.strictObject({
  amount: z.int().min(0).max(100_000_000_00),
  currency: Currency,
});
export type Money = z.infer<typeof Money>;

export const Email = z
  .email({ message: "expected an email address" })
  .max(254)
  .transform((e) => e.trim().toLowerCase());

export const Password = z
  .string()
  .min(8, { message: "a password has at least 8 characters" })
  .max(256, { message: "a password has at most 256 characters" });

export const PersonName = z.string().trim().min(1).max(120);

export const Slug = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { message: "expected a lowercase slug like 'linen-shirt'" });

/** Opaque pagination cursor: whatever the service encoded, base64url. */
export const Cursor = z
  .string()
  .max(512)
  .regex(/^[A-Za-z0-9_-]+$/, { message: "not a cursor this API issued" });

/**
 * tRPC's infinite queries (`@trpc/tanstack-react-query`) add the direction they page in to every
 * cursor-paged input. Paging here is forward only; the field is accepted so those clients work, and ignored.
 */
export const PagingDirection = z.enum(["forward", "backward"]).optional();

export const Role = z.enum(["customer", "staff"]);
export type Role = z.infer<typeof Role>;
