import { z } from "zod";
import { paymentInternal } from "../../contracts/payment.internal.ts";
import type { PaymentApi } from "../../contracts/payment.ts";
import type { ServiceModule } from "../../platform/module.ts";
import { serviceMigrations } from "../../platform/service.ts";
import { internalRouter } from "../../routers/internal.ts";
import { paymentRouter } from "../../routers/payment.ts";
import { outbox } from "./db/schema.ts";
import {
  createPaymentService,
  mountStripeWebhook,
  type PaymentProvider,
  paymentProviderFrom,
} from "./index.ts";

export const paymentConfig = z
  .object({
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
  })
  .superRefine((config, ctx) => {
    if (config.PAYMENT_PROVIDER === "stripe" && !config.STRIPE_SECRET_KEY)
      ctx.addIssue({
        code: "custom",
        path: ["STRIPE_SECRET_KEY"],
        message: "is required when PAYMENT_PROVIDER=stripe",
      });
  });

/** Test knob: wraps the configured provider (tests make it fail in ways the real ones rarely do). */
type PaymentDeps = { wrapProvider?: (configured: PaymentProvider) => PaymentProvider };

/** Charges and refunds through a provider (simulated, or Stripe), and Stripe's webhook. */
export const paymentModule = {
  name: "payment",
  migrations: serviceMigrations("payment", import.meta.dir),
  outboxes: [outbox],
  inboxes: [],
  config: paymentConfig,
  calls: [],
  router: paymentRouter,
  internalRouter: (api) => internalRouter(paymentInternal, api),
  create(ports, deps: PaymentDeps, config) {
    const configured = paymentProviderFrom(config, ports);
    const payments = createPaymentService(ports, { provider: deps.wrapProvider?.(configured) ?? configured });
    const secret = config.STRIPE_WEBHOOK_SECRET;
    return {
      api: payments.api,
      ...(secret && {
        mount: (app) => mountStripeWebhook(app, { secret, payments, clock: ports.clock }),
      }),
    };
  },
} satisfies ServiceModule<"payment", PaymentApi, PaymentDeps, z.infer<typeof paymentConfig>>;
