import { z } from "zod";
import { authInternal } from "../../contracts/auth.internal.ts";
import { env } from "../../platform/config.ts";
import type { ServiceModule } from "../../platform/module.ts";
import { authRouter } from "../../routers/auth.ts";
import { internalRouter } from "../../routers/internal.ts";
import { outbox } from "./db/schema.ts";
import type { loginLimits } from "./domain/throttle.ts";
import { createAuthService, authModule as migrations } from "./index.ts";

export const authConfig = z.object({
  SESSION_TTL_DAYS: env.int(1, 365).default(30),
  SESSION_MAX_AGE_DAYS: env.int(1, 3650).default(90),
});

/** Test knobs; production leaves them alone. */
type AuthDeps = { limits?: typeof loginLimits };

/** Accounts, sessions (Lucia's design) and sign-in throttling. */
export const authModule = {
  name: "auth",
  migrations: migrations.migrations,
  outboxes: [outbox],
  inboxes: [],
  config: authConfig,
  calls: ["cart"],
  router: authRouter,
  internalRouter: (api) => internalRouter(authInternal, api),
  create: (ports, deps: AuthDeps, config) => ({
    api: createAuthService(ports, {
      sessionTtlDays: config.SESSION_TTL_DAYS,
      sessionMaxAgeDays: config.SESSION_MAX_AGE_DAYS,
      ...(deps.limits && { limits: deps.limits }),
    }),
  }),
} satisfies ServiceModule<"auth", ReturnType<typeof createAuthService>, AuthDeps, z.infer<typeof authConfig>>;
