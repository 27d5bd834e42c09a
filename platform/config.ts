import { z } from "zod";

/**
 * Builders for environment variables: each one's message says what was expected, so a bad value
 * reads as "PORT: expected a whole number, got "abc"".
 */
export const env = {
  bool: () =>
    z
      .enum(["true", "false", "1", "0", "yes", "no"], { message: "expected true or false" })
      .transform((v) => ["true", "1", "yes"].includes(v)),
  int: (min: number, max: number) =>
    z.coerce
      .number({ message: "expected a whole number" })
      .int({ message: "expected a whole number" })
      .min(min, { message: `expected at least ${min}` })
      .max(max, { message: `expected at most ${max}` }),
  url: (protocols: RegExp, example: string) =>
    z.url({ protocol: protocols, message: `expected a URL like ${example}` }),
  /** A comma-separated list, each item checked by `item`. */
  list: <T extends z.ZodType<unknown, string>>(item: T) =>
    z
      .string()
      .default("")
      .transform((s) =>
        s
          .split(",")
          .map((o) => o.trim())
          .filter(Boolean),
      )
      .pipe(z.array(item)),
};

export const postgresUrl = (example = "postgres://user:pass@127.0.0.1:5432/fastr") =>
  env.url(/^postgres(ql)?$/, example);
export const redisUrl = () => env.url(/^rediss?$/, "redis://127.0.0.1:6379");

/** Where the data lives outside the embedded directory (the cluster; scripts pointed at it). */
export const storeSettings = z.object({
  DATABASE_URL: postgresUrl().optional(),
  DATABASE_REPLICA_URL: postgresUrl("postgres://user:pass@127.0.0.1:5433/fastr").optional(),
  REDIS_URL: redisUrl().optional(),
});

/** What every process that serves HTTP reads, whatever it hosts. */
export const hostSettings = z.object({
  PORT: env.int(0, 65535).default(3000),
  HOST: z.string().min(1).default("127.0.0.1"),
  PUBLIC_URL: env.url(/^https?$/, "https://shop.example.com").optional(),
  ALLOWED_ORIGINS: env.list(env.url(/^https?$/, "https://shop.example.com")),
  /**
   * Proxies you run in front of fastr (0: none). Each appends the address it saw to X-Forwarded-For,
   * so the client is the entry this many places from the right; anything further left is hearsay.
   */
  TRUST_PROXY: z
    .string()
    .regex(/^(true|false|yes|no|\d{1,2})$/, {
      message: "expected false, true (one proxy) or the number of proxies in front of fastr (e.g. 2)",
    })
    .transform((v) => (["true", "yes"].includes(v) ? 1 : ["false", "no"].includes(v) ? 0 : Number(v)))
    .default(0),
  LOG_LEVEL: z.enum(["debug", "info", "warn", "error", "silent"]).default("info"),
  MAX_BODY_BYTES: env.int(1024, 64 * 1024 * 1024).default(2 * 1024 * 1024),
  /** Procedure calls one batched request may carry; the typed client splits its batches to fit 10. */
  MAX_BATCH_SIZE: env.int(1, 1000).default(10),
  SHUTDOWN_GRACE_MS: env.int(0, 120_000).default(10_000),
});
export type HostSettings = z.infer<typeof hostSettings>;
export type LogLevel = HostSettings["LOG_LEVEL"];

/** A group of variables read together; a service declares one, the shapes combine several. */
// biome-ignore lint/suspicious/noExplicitAny: fragments have every output shape
export type ConfigFragment = z.ZodType<any>;
type Merged<F extends readonly ConfigFragment[]> = F extends readonly [infer H, ...infer R]
  ? z.output<H & ConfigFragment> & (R extends readonly ConfigFragment[] ? Merged<R> : unknown)
  : unknown;

export class ConfigError extends Error {
  override readonly name = "ConfigError";
}

/** The names a fragment reads (for an object schema, its keys). */
export const variablesOf = (fragment: ConfigFragment): string[] =>
  fragment instanceof z.ZodObject ? Object.keys(fragment.shape) : [];

/**
 * Variables that turn on test shortcuts (a cheaper password hash, say) are named FASTR_TEST_…, and only
 * a test run may set them: `bun test` sets NODE_ENV=test, and the processes a test starts inherit it.
 * Anywhere else one stops start-up, so a stray copy cannot weaken a real shop.
 */
const TEST_ONLY = /^FASTR_TEST_/;

/**
 * Reads and validates the environment once at start-up, fragment by fragment, and merges the
 * results. A bad value stops start-up with one message naming every bad variable, what was expected
 * and what was found.
 * @example const config = readConfig([hostSettings, productConfig]); // ConfigError: "PORT: expected a whole number, got \"abc\""
 */
export function readConfig<const F extends readonly ConfigFragment[]>(
  fragments: F,
  environment: Record<string, string | undefined> = process.env,
): Merged<F> {
  const present = Object.fromEntries(
    Object.entries(environment).filter(([, v]) => v !== undefined && v !== ""),
  );
  const merged: Record<string, unknown> = {};
  const lines: string[] = [];
  for (const fragment of fragments) {
    const testOnly = variablesOf(fragment).filter((name) => TEST_ONLY.test(name) && name in present);
    if (present.NODE_ENV !== "test")
      for (const name of testOnly)
        lines.push(
          `  ${name}: only a test run (NODE_ENV=test) may set it, got ${JSON.stringify(present[name])}`,
        );
    const parsed = fragment.safeParse(present);
    if (parsed.success) Object.assign(merged, parsed.data);
    else {
      for (const issue of parsed.error.issues) {
        const name = String(issue.path[0]);
        lines.push(`  ${name}: ${issue.message}, got ${JSON.stringify(environment[name])}`);
      }
    }
  }
  if (lines.length === 0) return merged as Merged<F>;
  throw new ConfigError(
    `fastr cannot start: the configuration is invalid.\n${[...new Set(lines)].join("\n")}\nFix the variables above (see the configuration table in README.md) and start again.`,
  );
}

/** `readConfig` for entry points: a bad value prints the readable message and exits 1, no stack trace. */
export function readConfigOrExit<const F extends readonly ConfigFragment[]>(
  fragments: F,
  environment: Record<string, string | undefined> = process.env,
): Merged<F> {
  try {
    return readConfig(fragments, environment);
  } catch (error) {
    if (!(error instanceof ConfigError)) throw error;
    console.error(error.message);
    process.exit(1);
  }
}
