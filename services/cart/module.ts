import { z } from "zod";
import { cartInternal } from "../../contracts/cart.internal.ts";
import { type CartApi, GUEST_CART_LIFETIME_MS } from "../../contracts/cart.ts";
import type { ProductApi } from "../../contracts/product.ts";
import { DAY, HOUR } from "../../platform/clock.ts";
import type { ServiceModule } from "../../platform/module.ts";
import { serviceMigrations } from "../../platform/service.ts";
import { cartRouter } from "../../routers/cart.ts";
import { internalRouter } from "../../routers/internal.ts";
import { createCartService } from "./index.ts";

export const cartConfig = z.object({
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
  DEFAULT_COUNTRY: z
    .string()
    .regex(/^[A-Z]{2}$/, { message: "expected a two-letter country code like DE" })
    .default("DE"),
});

/**
 * How long the cart remembers which orders' purchases it took out: a repeat comes from a saga's
 * recovery, minutes later; a month is ample (ADR 022).
 */
const PURCHASE_CLAIM_RETENTION_MS = 30 * DAY;

type CartDeps = { product: Pick<ProductApi, "variants" | "cachedVariants"> };

/** Carts for guests (by token) and customers, priced on every read. */
export const cartModule = {
  name: "cart",
  migrations: serviceMigrations("cart", import.meta.dir),
  outboxes: [],
  inboxes: [],
  config: cartConfig,
  calls: ["product"],
  router: cartRouter,
  internalRouter: (api) => internalRouter(cartInternal, api),
  create(ports, deps: CartDeps, config) {
    const cart = createCartService(ports, deps, {
      taxRates: config.TAX_RATES,
      defaultCountry: config.DEFAULT_COUNTRY,
    });
    return {
      api: cart.api,
      jobs: [
        {
          name: "forget old records of purchases taken out of carts",
          everyMs: HOUR,
          run: () => cart.pruneRemovedPurchases(PURCHASE_CLAIM_RETENTION_MS),
        },
        {
          name: "delete abandoned guest carts",
          everyMs: HOUR,
          run: () => cart.sweepAbandoned(GUEST_CART_LIFETIME_MS),
        },
      ],
    };
  },
} satisfies ServiceModule<"cart", CartApi, CartDeps, z.infer<typeof cartConfig>>;
