import { z } from "zod";
import type { ChangePasswordInput, UpdateProfileInput, User } from "./auth.ts";
import { Id, text } from "./common.ts";

export const AddressFields = z.strictObject({
  label: text({ max: 60 }).optional(),
  name: text({ min: 1, max: 120 }),
  line1: text({ min: 1, max: 200 }),
  line2: text({ max: 200 }).optional(),
  city: text({ min: 1, max: 120 }),
  region: text({ max: 120 }).optional(),
  postalCode: text({ min: 1, max: 20 }),
  /** ISO 3166-1 alpha-2, upper case. */
  country: z
    .string()
    .regex(/^[A-Za-z]{2}$/, { message: "expected a two-letter country code like 'DE'" })
    .transform((c) => c.toUpperCase()),
  phone: text({ max: 40 }).optional(),
});
export type AddressFields = z.infer<typeof AddressFields>;

export const Address = z.object({
  id: Id,
  label: z.string().nullable(),
  name: z.string(),
  line1: z.string(),
  line2: z.string().nullable(),
  city: z.string(),
  region: z.string().nullable(),
  postalCode: z.string(),
  country: z.string(),
  phone: z.string().nullable(),
  isDefault: z.boolean(),
});
export type Address = z.infer<typeof Address>;

export const AddAddressInput = AddressFields.extend({ isDefault: z.boolean().optional() });
export type AddAddressInput = z.infer<typeof AddAddressInput>;

export const UpdateAddressInput = AddressFields.partial().extend({
  id: Id,
  isDefault: z.boolean().optional(),
});
export type UpdateAddressInput = z.infer<typeof UpdateAddressInput>;

export const AddressId = z.strictObject({ id: Id });

/** The user service as routers and other services see it. Every call is scoped to its owner. */
export interface UserApi {
  me(userId: string): Promise<User>;
  updateProfile(userId: string, input: UpdateProfileInput): Promise<User>;
  /** Needs the current password; every other session of the user stops working. */
  changePassword(userId: string, input: ChangePasswordInput, currentSessionId: string): Promise<void>;
  listAddresses(userId: string): Promise<Address[]>;
  getAddress(userId: string, addressId: string): Promise<Address>;
  addAddress(userId: string, input: AddAddressInput): Promise<Address>;
  updateAddress(userId: string, input: UpdateAddressInput): Promise<Address>;
  removeAddress(userId: string, addressId: string): Promise<void>;
}
