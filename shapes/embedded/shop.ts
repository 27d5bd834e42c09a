import { z } from "zod";
import { env, hostSettings, readConfig, readConfigOrExit, storeSettings } from "../../platform/config.ts";
import { mountMetrics } from "../../platform/metrics/route.ts";
import type { RetryPolicy } from "../../platform/retry.ts";
import { telemetrySettings } from "../../platform/telemetry/settings.ts";
import type { AuthOptions } from "../../services/auth/index.ts";
import type { FaultHook } from "../../services/order/saga/place-order.ts";
import type { PaymentProvider } from "../../services/payment/index.ts";
import { type ComposePorts, composeServices } from "../compose.ts";
import { modules } from "../modules.ts";
import { mountApiReference } from "./api-page.ts";
import { LOOPBACK_BINDS } from "./loopback-host.ts";
import { localScrapersOnly } from "./metrics-access.ts";

/** What only the embedded shape reads. */
export const embeddedSettings = z.object({
  FASTR_DATA_DIR: z.string().min(1).default(".fastr"),
  SEED_CATALOG: env.bool().default(true),
  /** PGlite in a Worker thread of its own, off the request thread (ADR 182); `false`: in it. */
  PGLITE_WORKER: env.bool().default(true),
});

/** Everything `bun start` reads: the host, the embedded shape, and every service's variables. */
export const shopConfigFragments = [
  hostSettings,
  telemetrySettings,
  embeddedSettings,
  storeSettings,
  ...modules.map((m) => m.config),
] as const;
export const readShopConfig = (environment: Record<string, string | undefined> = process.env) =>
  readConfig(shopConfigFragments, environment);
export const readShopConfigOrExit = () => readConfigOrExit(shopConfigFragments);
export type ShopConfig = ReturnType<typeof readShopConfig>;

/** Knobs tests turn; production leaves them alone. */
export type ShopOverrides = {
  loginLimits?: AuthOptions["loginLimits"];
  signupLimits?: AuthOptions["signupLimits"];
  /** The argon2id cost of new password hashes (test shops: the cheapest; ADR 160). */
  passwordCost?: AuthOptions["passwordCost"];
  faults?: FaultHook;
  /** Wraps the configured payment provider (tests make it fail in ways the real ones rarely do). */
  paymentProvider?: (configured: PaymentProvider) => PaymentProvider;
  sendRetry?: RetryPolicy;
  /** Run sweeps, recovery and housekeeping on their intervals (off: only once at start-up). */
  periodicJobs?: boolean;
  /** Every periodic job this often (tests of the schedule itself). */
  jobEveryMs?: number;
};

/**
 * Every service in one process, wired to the given ports: the embedded shape (`bun start`) and the
 * HTTP tests. One process owns the database, so start-up finishes every saga a crash left behind.
 * @example const shop = await createShop(config, { db: await openPglite(), cache: memoryCache(), limits: memoryLimits(), bus: memoryBus(), clock: systemClock, log });
 */
export async function createShop(config: ShopConfig, ports: ComposePorts, overrides: ShopOverrides = {}) {
  const shop = await composeServices(modules, ports, {
    config,
    sole: true,
    periodicJobs: overrides.periodicJobs ?? true,
    ...(overrides.jobEveryMs && { jobEveryMs: overrides.jobEveryMs }),
    extras: {
      auth: {
        ...(overrides.loginLimits && { loginLimits: overrides.loginLimits }),
        ...(overrides.signupLimits && { signupLimits: overrides.signupLimits }),
        ...(overrides.passwordCost && { passwordCost: overrides.passwordCost }),
      },
      ...(overrides.faults && { order: { faults: overrides.faults } }),
      ...(overrides.paymentProvider && { payment: { wrapProvider: overrides.paymentProvider } }),
      ...(overrides.sendRetry && { notification: { sendRetry: overrides.sendRetry } }),
    },
  });
  if (LOOPBACK_BINDS.includes(config.HOST)) mountApiReference(shop.app);
  mountMetrics(shop.app, shop.metrics, localScrapersOnly());
  await shop.start();
  return shop;
}
export type Shop = Awaited<ReturnType<typeof createShop>>;
