import { z } from "zod";
import { productInternal } from "../../contracts/product.internal.ts";
import type { ProductApi } from "../../contracts/product.ts";
import { SECOND } from "../../platform/clock.ts";
import { env } from "../../platform/config.ts";
import type { ServiceModule } from "../../platform/module.ts";
import { serviceMigrations } from "../../platform/service.ts";
import { internalRouter } from "../../routers/internal.ts";
import { productRouter } from "../../routers/product.ts";
import { freshenStoredPage } from "./cache/stored-pages.ts";
import { outbox } from "./db/schema.ts";
import { createProductService } from "./index.ts";
import { mountMedia } from "./media.ts";

export const productConfig = z.object({
  /** How long catalog answers are cached (every change to what they show makes them unreachable at once). */
  CACHE_TTL_SECONDS: env.int(1, 86_400).default(300),
});

/** The catalog, search, stock and reservations. */
export const productModule = {
  name: "product",
  migrations: serviceMigrations("product", import.meta.dir),
  outboxes: [outbox],
  inboxes: [],
  config: productConfig,
  calls: [],
  router: productRouter,
  internalRouter: (api) => internalRouter(productInternal, api),
  create(ports, _deps: Record<string, never>, config) {
    const {
      api: product,
      withCurrentStock,
      stockVersion,
      generation,
    } = createProductService(ports, {
      cacheTtlMs: config.CACHE_TTL_SECONDS * SECOND,
    });
    return {
      api: product,
      jobs: [
        {
          name: "release expired reservations",
          everyMs: 30 * SECOND,
          atStart: true,
          run: () => product.releaseExpiredReservations(),
        },
      ],
      cachedQueries: {
        paths: ["/api/product/trpc/list", "/api/product/trpc/get", "/api/product/trpc/categories"],
        ttlMs: config.CACHE_TTL_SECONDS * SECOND,
        generation,
        freshen: { "/api/product/trpc/get": freshenStoredPage(withCurrentStock, stockVersion) },
      },
      mount: mountMedia,
    };
  },
} satisfies ServiceModule<"product", ProductApi, Record<string, never>, z.infer<typeof productConfig>>;
