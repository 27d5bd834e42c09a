import { and, eq, lt, ne } from "drizzle-orm";
import type { AuthApi, LoginInput, Session, SignupInput, User } from "../../contracts/auth.ts";
import { DomainError } from "../../contracts/errors.ts";
import { appendToOutbox, event } from "../../platform/bus/outbox.ts";
import { DAY, MINUTE } from "../../platform/clock.ts";
import { isUniqueViolation } from "../../platform/db/unique-violation.ts";
import { newId } from "../../platform/ids.ts";
import type { ServicePorts } from "../../platform/service.ts";
import { outbox, sessions, users } from "./db/schema.ts";
import {
  checkExpiry,
  initialExpiry,
  mintSessionToken,
  parseSessionToken,
  type SessionPolicy,
  secretMatches,
  validWithoutRenewalUntil,
} from "./domain/session.ts";
import { type LoginLimits, loginLimits, type SignupLimits } from "./domain/throttle.ts";
import { type PasswordCost, passwordHasher, productionPasswordCost, testPasswordCost } from "./password.ts";
import { type CachedSession, sessionCache } from "./session-cache.ts";
import { loginThrottle, signupThrottle } from "./throttle.ts";

export { outbox as authOutbox } from "./db/schema.ts";

/** The auth service: the API routers and other services call, and the housekeeping its module schedules. */
export type AuthService = {
  api: AuthApi;
  /** Deletes sessions past their expiry (they are also refused and deleted lazily on use). */
  sweepExpiredSessions(): Promise<number>;
};

export type AuthOptions = {
  sessionTtlDays: number;
  sessionMaxAgeDays: number;
  signupLimits: SignupLimits;
  /** Sign-in limits; the defaults in `domain/throttle.ts` fill what is not given. */
  loginLimits?: Partial<LoginLimits>;
  /** The argon2id cost of new hashes: production's unless a test shop lowers it (ADR 160). */
  passwordCost?: PasswordCost;
};

/** The auth options a composition root reads from configuration. */
export const authOptionsFrom = (config: {
  SESSION_TTL_DAYS: number;
  SESSION_MAX_AGE_DAYS: number;
  SIGNUP_LIMIT: number;
  SIGNUP_WINDOW_MINUTES: number;
  FASTR_TEST_CHEAP_PASSWORD_HASHES?: boolean;
}): AuthOptions => ({
  sessionTtlDays: config.SESSION_TTL_DAYS,
  sessionMaxAgeDays: config.SESSION_MAX_AGE_DAYS,
  signupLimits: { attempts: config.SIGNUP_LIMIT, windowMs: config.SIGNUP_WINDOW_MINUTES * MINUTE },
  ...(config.FASTR_TEST_CHEAP_PASSWORD_HASHES && { passwordCost: testPasswordCost }),
});

const badCredentials = () =>
  new DomainError("UNAUTHORIZED", "AUTH.BAD_CREDENTIALS", "email or password is incorrect");
const emailTaken = () =>
  new DomainError("CONFLICT", "AUTH.EMAIL_TAKEN", "an account with this email already exists");
const userNotFound = () => new DomainError("NOT_FOUND", "AUTH.USER_NOT_FOUND", "user not found");

const toUser = (row: typeof users.$inferSelect): User => ({
  id: row.id,
  email: row.email,
  name: row.name,
  role: row.role,
});

export function createAuthService(ports: ServicePorts, options: AuthOptions): AuthService {
  const { db, clock } = ports;
  const cached = sessionCache(ports.cache);
  const policy: SessionPolicy = {
    ttlMs: options.sessionTtlDays * DAY,
    maxAgeMs: options.sessionMaxAgeDays * DAY,
  };
  const logins = loginThrottle(ports.limits, { ...loginLimits, ...options.loginLimits });
  const signups = signupThrottle(ports.limits, options.signupLimits);
  const passwords = passwordHasher(options.passwordCost ?? productionPasswordCost);
  // Verifying against a real hash when the account does not exist keeps both answers equally slow.
  const decoyHash = passwords.hash(crypto.randomUUID());

  async function startSession(tx: Parameters<Parameters<typeof db.primary.transaction>[0]>[0], user: User) {
    const now = clock.now();
    const { id, token, secretHash } = mintSessionToken();
    const expiresAt = initialExpiry(now, policy);
    await tx.insert(sessions).values({ id, secretHash, userId: user.id, createdAt: now, expiresAt });
    return { user, token, expiresAt };
  }

  const api: AuthApi = {
    async signup(input: SignupInput, attempt) {
      await signups.admit(attempt.ip);
      const passwordHash = await passwords.hash(input.password);
      const now = clock.now();
      const user: User = { id: newId(), email: input.email, name: input.name, role: "customer" };
      try {
        const grant = await db.primary.transaction(async (tx) => {
          await tx.insert(users).values({ ...user, passwordHash, passwordChangedAt: now, createdAt: now });
          await appendToOutbox(tx, outbox, [
            event(
              "user.registered@1",
              user.id,
              { userId: user.id, email: user.email, name: user.name },
              clock,
            ),
          ]);
          return startSession(tx, user);
        });
        ports.eventsCommitted(outbox);
        return grant;
      } catch (error) {
        if (isUniqueViolation(error)) throw emailTaken();
        throw error;
      }
    },

    async login(input: LoginInput, attempt) {
      await logins.admit(input.email, attempt.ip);
      const [row] = await db.primary.select().from(users).where(eq(users.email, input.email));
      const valid = await passwords.verify(input.password, row?.passwordHash ?? (await decoyHash));
      if (!row || !valid) {
        await logins.failed(input.email, attempt.ip);
        throw badCredentials();
      }
      await logins.succeeded(input.email, attempt.ip);
      return db.primary.transaction((tx) => startSession(tx, toUser(row)));
    },

    async logout(sessionId) {
      await db.primary.delete(sessions).where(eq(sessions.id, sessionId));
      await cached.forget([sessionId]);
    },

    async validateSession(token): Promise<Session | null> {
      const parsed = parseSessionToken(token);
      if (!parsed) return null;
      const session = (await cached.get(parsed.id)) ?? (await loadSession(parsed.id));
      if (!session || !secretMatches(parsed.secret, session.secretHash)) return null;
      const verdict = checkExpiry(
        { createdAt: new Date(session.createdAt), expiresAt: new Date(session.expiresAt) },
        clock.now(),
        policy,
      );
      if (verdict.status === "expired") {
        await db.primary.delete(sessions).where(eq(sessions.id, parsed.id));
        await cached.forget([parsed.id]);
        return null;
      }
      if (verdict.status === "renew") {
        await db.primary
          .update(sessions)
          .set({ expiresAt: verdict.expiresAt })
          .where(eq(sessions.id, parsed.id));
        const expiresAt = verdict.expiresAt.getTime();
        const kept = await remember(parsed.id, {
          ...session,
          expiresAt,
          validUntil: validWithoutRenewalUntil(
            { createdAt: new Date(session.createdAt), expiresAt: verdict.expiresAt },
            policy,
          ),
        });
        if (!kept) return null;
        return { id: parsed.id, user: session.user, expiresAt: verdict.expiresAt, renewed: true };
      }
      return { id: parsed.id, user: session.user, expiresAt: new Date(session.expiresAt), renewed: false };
    },

    async getUser(userId) {
      const [row] = await db.primary.select().from(users).where(eq(users.id, userId));
      if (!row) throw userNotFound();
      return toUser(row);
    },

    async updateProfile(userId, input) {
      const [row] = await db.primary
        .update(users)
        .set({ ...(input.name !== undefined && { name: input.name }) })
        .where(eq(users.id, userId))
        .returning();
      if (!row) throw userNotFound();
      await cached.forget(await sessionIdsOf(userId));
      return toUser(row);
    },

    async changePassword(userId, input, keepSessionId) {
      const [row] = await db.primary.select().from(users).where(eq(users.id, userId));
      if (!row) throw userNotFound();
      if (!(await passwords.verify(input.currentPassword, row.passwordHash))) {
        throw new DomainError("BAD_REQUEST", "AUTH.WRONG_PASSWORD", "the current password is incorrect");
      }
      const passwordHash = await passwords.hash(input.newPassword);
      await db.primary
        .transaction(async (tx) => {
          await tx
            .update(users)
            .set({ passwordHash, passwordChangedAt: clock.now() })
            .where(eq(users.id, userId));
          const ended = await tx
            .delete(sessions)
            .where(and(eq(sessions.userId, userId), ne(sessions.id, keepSessionId)))
            .returning({ id: sessions.id });
          await appendToOutbox(tx, outbox, [event("user.password_changed@1", userId, { userId }, clock)]);
          return ended;
        })
        .then((ended) => cached.forget(ended.map((s) => s.id)));
      ports.eventsCommitted(outbox);
    },

    async upsertStaff({ email, password, name }) {
      const passwordHash = await passwords.hash(password);
      const now = clock.now();
      const normalized = email.trim().toLowerCase();
      const ended: { id: string }[] = [];
      const row = await db.primary.transaction(async (tx) => {
        const [existing] = await tx.select().from(users).where(eq(users.email, normalized)).for("update");
        if (existing) {
          ended.push(
            ...(await tx
              .delete(sessions)
              .where(eq(sessions.userId, existing.id))
              .returning({ id: sessions.id })),
          );
          const [updated] = await tx
            .update(users)
            .set({ role: "staff", passwordHash, passwordChangedAt: now, ...(name && { name }) })
            .where(eq(users.id, existing.id))
            .returning();
          return updated!;
        }
        const [created] = await tx
          .insert(users)
          .values({
            id: newId(),
            email: normalized,
            name: name ?? normalized.split("@")[0]!,
            role: "staff",
            passwordHash,
            passwordChangedAt: now,
            createdAt: now,
          })
          .returning();
        return created!;
      });
      await cached.forget(ended.map((s) => s.id));
      return toUser(row);
    },
  };

  return {
    api,
    async sweepExpiredSessions() {
      const expired = await db.primary
        .delete(sessions)
        .where(lt(sessions.expiresAt, clock.now()))
        .returning({ id: sessions.id });
      await cached.forget(expired.map((s) => s.id));
      return expired.length;
    },
  };

  async function loadSession(sessionId: string): Promise<CachedSession | null> {
    const [row] = await db.primary
      .select({ session: sessions, user: users })
      .from(sessions)
      .innerJoin(users, eq(users.id, sessions.userId))
      .where(eq(sessions.id, sessionId));
    if (!row) return null;
    const session = {
      secretHash: row.session.secretHash,
      createdAt: row.session.createdAt.getTime(),
      expiresAt: row.session.expiresAt.getTime(),
      validUntil: validWithoutRenewalUntil(row.session, policy),
      user: toUser(row.user),
    };
    return (await remember(sessionId, session)) ? session : null;
  }

  /**
   * Caches a session just read from the database, unless it ended meanwhile: a logout or password
   * change landing between the read and the put deletes the entry before the put, so without the
   * second look every process would accept the ended session until the entry's TTL (ADR 175).
   */
  async function remember(sessionId: string, session: CachedSession) {
    await cached.put(sessionId, session);
    const [still] = await db.primary
      .select({ id: sessions.id })
      .from(sessions)
      .where(eq(sessions.id, sessionId));
    if (still) return true;
    await cached.forget([sessionId]);
    return false;
  }

  async function sessionIdsOf(userId: string) {
    const rows = await db.primary
      .select({ id: sessions.id })
      .from(sessions)
      .where(eq(sessions.userId, userId));
    return rows.map((r) => r.id);
  }
}
