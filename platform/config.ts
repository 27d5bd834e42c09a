import { z } from "zod";

const bool = z
  .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
  .transform((v) => ["true", "1", "yes"].includes(v));
const int = (min: number, max: number) =>
  z.coerce
    .number({ message: "expected a whole number" })
    .int({ message: "expected a whole number" })
    .min(min, { message: `expected at least ${min}` })
    .max(max, { message: `expected at most ${max}` });
/** `true`/`false` or a number of proxy hops: how many proxies you run in front of fastr. */
const proxyHops = z
  .string()
  .regex(/^(true|false|yes|no|\d{1,2})$/, {
    message: "expected false, true (one proxy) or the number of proxies in front of fastr (e.g. 2)",
  })
  .transform((v) => (["true", "yes"].includes(v) ? 1 : ["false", "no"].includes(v) ? 0 : Number(v)));
const url = (protocols: RegExp, example: string) =>
  z.url({ protocol: protocols, message: `expected a URL like ${example}` });

const EnvSchema = z
  .object({
    PORT: int(0, 65535).default(3000),
    HOST: z.string().min(1).default("127.0.0.1"),
    FASTR_DATA_DIR: z.string().min(1).default(".fastr"),
    DATABASE_URL: url(/^postgres(ql)?$/, "postgres://user:pass@127.0.0.1:5432/fastr").optional(),
    DATABASE_REPLICA_URL: url(/^postgres(ql)?$/, "postgres://user:pass@127.0.0.1:5433/fastr").optional(),
    REDIS_URL: url(/^rediss?$/, "redis://127.0.0.1:6379").optional(),
    PUBLIC_URL: url(/^https?$/, "https://shop.example.com").optional(),
    ALLOWED_ORIGINS: z
      .string()
      .default("")
      .transform((s) =>
        s
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .pipe(z.array(url(/^https?$/, "https://shop.example.com"))),
    /**
     * Proxies you run in front of fastr (0: none). Each appends the address it saw to X-Forwarded-For,
     * so the client is the entry this many places from the right; anything further left is hearsay.
     */
    TRUST_PROXY: proxyHops.default(0),
    LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
    MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(2 * 1024 * 1024),
    /** Procedure calls one batched request may carry; the typed client splits its batches to fit 10. */
    MAX_BATCH_SIZE: int(1, 1000).default(10),
    SESSION_TTL_DAYS: int(1, 365).default(30),
    SESSION_MAX_AGE_DAYS: int(1, 3650).default(90),
    CACHE_TTL_SECONDS: int(1, 86_400).default(300),
    SEED_CATALOG: bool.default(true),
    SHUTDOWN_GRACE_MS: int(0, 120_000).default(10_000),
    PAYMENT_PROVIDER: z
      .enum(["simulated", "stripe"], { message: "expected simulated or stripe" })
      .default("simulated"),
    STRIPE_SECRET_KEY: z
      .string()
      .regex(/^(sk|rk)_(test|live)_\w+$/, { message: "expected a Stripe secret key like sk_test_…" })
      .optional(),
    STRIPE_WEBHOOK_SECRET: z
      .string()
      .regex(/^whsec_\w+$/, { message: "expected a webhook secret like whsec_…" })
      .optional(),
    SMTP_URL: url(/^smtps?$/, "smtp://user:pass@127.0.0.1:587").optional(),
    MAIL_FROM: z.string().min(3).default("fastr shop <shop@fastr.localhost>"),
    /** VAT/sales-tax rate per destination country in percent; `*` is every other country. */
    TAX_RATES: z
      .string()
      .default("DE:19,FR:20,NL:21,AT:20,IT:22,ES:21,GB:20,US:0,*:19")
      .transform((s, ctx) => {
        const rates: Record<string, number> = {};
        for (const pair of s
          .split(",")
          .map((p) => p.trim())
          .filter(Boolean)) {
          const m = /^([A-Z]{2}|\*):(\d{1,2}(?:\.\d{1,2})?)$/.exec(pair);
          if (!m) {
            ctx.addIssue({
              code: "custom",
              message: `expected COUNTRY:PERCENT pairs like "DE:19,*:20" (bad pair "${pair}")`,
            });
            return z.NEVER;
          }
          rates[m[1]!] = Number(m[2]);
        }
        return rates;
      }),
    RESERVATION_TTL_MINUTES: int(1, 24 * 60).default(15),
    /**
     * Test hook: the process SIGKILLs itself when a checkout reaches this saga gap (e.g. after-charge),
     * so a test can prove that a restart resolves the interrupted checkout. Never set it in production.
     */
    FASTR_KILL_AT: z
      .enum(["after-create", "after-reserve", "after-charge", "after-confirm-stock", "after-release"])
      .optional(),
    /** The /dev/mailbox page (every stored e-mail, no sign-in): on by default only when bound to loopback. */
    DEV_MAILBOX: bool.optional(),
    DEFAULT_COUNTRY: z
      .string()
      .regex(/^[A-Z]{2}$/, { message: "expected a two-letter country code like DE" })
      .default("DE"),
  })
  .superRefine((env, ctx) => {
    if (env.PAYMENT_PROVIDER === "stripe" && !env.STRIPE_SECRET_KEY)
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_SECRET_KEY"],
        message: "is required when PAYMENT_PROVIDER=stripe",
      });
  });

export type Config = z.infer<typeof EnvSchema>;

/** The names of every variable fastr reads. */
export const configVariables: readonly string[] = Object.keys(EnvSchema.shape);

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/**
 * Reads and validates the environment once at start-up. A bad value stops start-up with a message
 * naming each variable, what was expected and what was found.
 * @example const config = loadConfig(); // throws ConfigError: "PORT: expected a whole number, got \"abc\""
 */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const present = Object.fromEntries(Object.entries(env).filter(([, v]) => v !== undefined && v !== ""));
  const parsed = EnvSchema.safeParse(present);
  if (parsed.success) return parsed.data;
  const lines = parsed.error.issues.map((issue) => {
    const name = String(issue.path[0]);
    return `  ${name}: ${issue.message}, got ${JSON.stringify(env[name])}`;
  });
  throw new ConfigError(
    `fastr cannot start: the configuration is invalid.\n${lines.join("\n")}\nFix the variables above (see the configuration table in README.md) and start again.`,
  );
}

/** `loadConfig` for entry points: a bad value prints the readable message and exits 1, no stack trace. */
export function loadConfigOrExit(env: Record<string, string | undefined> = process.env): Config {
  try {
    return loadConfig(env);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
