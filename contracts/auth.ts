import { z } from "zod";
import { CartMergeReport } from "./cart.ts";
import { EmailAddress, Id, Password, PersonName, Role } from "./common.ts";

export const User = z.object({ id: Id, email: z.string(), name: z.string(), role: Role });
export type User = z.infer<typeof User>;

export const SignupInput = z.strictObject({ email: EmailAddress, password: Password, name: PersonName });
export type SignupInput = z.infer<typeof SignupInput>;

export const LoginInput = z.strictObject({ email: EmailAddress, password: z.string().min(1).max(256) });
export type LoginInput = z.infer<typeof LoginInput>;

export const SessionGrant = z.object({ user: User, token: z.string(), expiresAt: z.date() });
export type SessionGrant = z.infer<typeof SessionGrant>;

/** A new session, and what the guest's cart brought along when there was one (ADR 022). */
export const SignedIn = SessionGrant.extend({ cartMerge: CartMergeReport.optional() });
export type SignedIn = z.infer<typeof SignedIn>;

/** What a request knows about its caller once the session token checked out. */
export type Session = {
  id: string;
  user: User;
  expiresAt: Date;
  /** The expiry just slid forward: resend the cookie. */
  renewed: boolean;
};

export const ChangePasswordInput = z.strictObject({
  currentPassword: z.string().min(1).max(256),
  newPassword: Password,
});
export type ChangePasswordInput = z.infer<typeof ChangePasswordInput>;

export const UpdateProfileInput = z.strictObject({ name: PersonName.optional() });
export type UpdateProfileInput = z.infer<typeof UpdateProfileInput>;

/** Who is knocking: sign-in and sign-up throttling key on the client address. */
export type ClientAttempt = {
  ip: string;
  /** The guest cart the client holds: signing in moves it into the account's cart. */
  guestCartToken?: string | null;
};

/** The auth service as routers and other services see it. */
export interface AuthApi {
  signup(input: SignupInput, attempt: ClientAttempt): Promise<SignedIn>;
  login(input: LoginInput, attempt: ClientAttempt): Promise<SignedIn>;
  logout(sessionId: string): Promise<void>;
  /** Resolves a token to its session, sliding the expiry; null when missing, expired or revoked. */
  validateSession(token: string): Promise<Session | null>;
  getUser(userId: string): Promise<User>;
  updateProfile(userId: string, input: UpdateProfileInput): Promise<User>;
  /** Changes the password and revokes every session but `keepSessionId`. */
  changePassword(userId: string, input: ChangePasswordInput, keepSessionId: string): Promise<void>;
  /** Creates a staff account, or promotes an existing one (and sets its password). */
  upsertStaff(input: { email: string; password: string; name?: string }): Promise<User>;
}
