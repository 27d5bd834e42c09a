import { z } from "zod";
import { type AuthApi, ChangePasswordInput, UpdateProfileInput, User } from "./auth.ts";
import { Id } from "./common.ts";
import { type InternalContract, internal } from "./internal.ts";

export const Session = z.object({ id: z.string(), user: User, expiresAt: z.date(), renewed: z.boolean() });

/** What other services call on auth: every service checks sessions; the user service edits profiles. */
export const authInternal = {
  validateSession: internal(z.tuple([z.string().max(512)]), Session.nullable(), { idempotent: true }),
  getUser: internal(z.tuple([Id]), User, { idempotent: true }),
  updateProfile: internal(z.tuple([Id, UpdateProfileInput]), User, { idempotent: true }),
  changePassword: internal(z.tuple([Id, ChangePasswordInput, z.string()]), z.void(), { idempotent: false }),
} satisfies InternalContract<AuthApi, "validateSession" | "getUser" | "updateProfile" | "changePassword">;
