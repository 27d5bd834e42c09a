import { z } from "zod";
import { authInternal } from "../../contracts/auth.internal.ts";
import type { AuthApi } from "../../contracts/auth.ts";
import type { CartApi } from "../../contracts/cart.ts";
import { HOUR } from "../../platform/clock.ts";
import { env } from "../../platform/config.ts";
import type { ServiceModule } from "../../platform/module.ts";
import { serviceMigrations } from "../../platform/service.ts";
import { authRouter } from "../../routers/auth.ts";
import { internalRouter } from "../../routers/internal.ts";
import { outbox } from "./db/schema.ts";
import { adoptingGuestCart } from "./guest-cart.ts";
import { type AuthOptions, authOptionsFrom, createAuthService } from "./index.ts";

export const authConfig = z.object({
  SESSION_TTL_DAYS: env.int(1, 365).default(30),
  SESSION_MAX_AGE_DAYS: env.int(1, 3650).default(90),
  /** Sign-ups allowed per client address (IPv6: per /64) in each SIGNUP_WINDOW_MINUTES (ADR 012). */
  SIGNUP_LIMIT: env.int(1, 1_000_000).default(20),
  SIGNUP_WINDOW_MINUTES: env.int(1, 24 * 60).default(10),
  /**
   * Test runs only (readConfig refuses a FASTR_TEST_ variable without NODE_ENV=test): hash new
   * passwords at argon2's smallest cost, for the test cluster's service processes (ADR 160).
   */
  FASTR_TEST_CHEAP_PASSWORD_HASHES: env.bool().optional(),
});

/** The cart a guest's cart moves into at sign-in, and test knobs (production leaves them alone). */
type AuthDeps = { cart: Pick<CartApi, "merge"> } & Partial<
  Pick<AuthOptions, "loginLimits" | "signupLimits" | "passwordCost">
>;

/** Accounts, sessions (Lucia's design) and sign-in throttling. */
export const authModule = {
  name: "auth",
  migrations: serviceMigrations("auth", import.meta.dir),
  outboxes: [outbox],
  inboxes: [],
  config: authConfig,
  calls: ["cart"],
  router: authRouter,
  internalRouter: (api) => internalRouter(authInternal, api),
  create(ports, { cart, ...knobs }: AuthDeps, config) {
    const auth = createAuthService(ports, { ...authOptionsFrom(config), ...knobs });
    return {
      api: adoptingGuestCart(auth.api, cart),
      jobs: [{ name: "delete expired sessions", everyMs: HOUR, run: () => auth.sweepExpiredSessions() }],
    };
  },
} satisfies ServiceModule<"auth", AuthApi, AuthDeps, z.infer<typeof authConfig>>;
