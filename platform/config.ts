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
const url = (protocols: RegExp, example: string) =>
  z.url({ protocol: protocols, message: `expected a URL like ${example}` });

const EnvSchema = z.object({
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
  TRUST_PROXY: bool.default(false),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  MAX_BODY_BYTES: int(1024, 64 * 1024 * 1024).default(2 * 1024 * 1024),
  SESSION_TTL_DAYS: int(1, 365).default(30),
  SESSION_MAX_AGE_DAYS: int(1, 3650).default(90),
  CACHE_TTL_SECONDS: int(1, 86_400).default(300),
  SEED_CATALOG: bool.default(true),
  SHUTDOWN_GRACE_MS: int(0, 120_000).default(10_000),
});

export type Config = z.infer<typeof EnvSchema>;

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
