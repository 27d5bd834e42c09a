import { createContextFactory } from "../../routers/context.ts";
import { serviceRouters } from "../../routers/index.ts";
import { authModule, authOutbox, createAuthService } from "../../services/auth/index.ts";
import { createProductService, productModule, productOutbox } from "../../services/product/index.ts";
import { createUserService, userModule } from "../../services/user/index.ts";
import { outboxRelay } from "../bus/outbox.ts";
import type { Bus } from "../bus/port.ts";
import type { Cache } from "../cache/port.ts";
import type { Clock } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/port.ts";
import { createHost } from "../http/host.ts";
import type { Logger } from "../log.ts";
import type { ServicePorts } from "../service.ts";
import { mountPages } from "./pages.ts";

export const modules = [authModule, userModule, productModule];

export type ShopPorts = { db: Database; cache: Cache; bus: Bus; clock: Clock; log: Logger };

/**
 * Every service in one process, wired to the given ports: migrations applied, outbox relay running,
 * one Hono app serving all routers and the pages. The embedded shape and the HTTP tests use this.
 * @example const shop = await createShop(config, { db: await openPglite(), cache: memoryCache(), bus: memoryBus(), clock: systemClock, log });
 */
export async function createShop(
  config: Config,
  ports: ShopPorts,
  overrides: { loginLimits?: Parameters<typeof createAuthService>[1]["limits"] } = {},
) {
  const { db, cache, bus, clock, log } = ports;
  for (const module of modules) await db.migrate(module.migrations);

  const relay = outboxRelay({
    db,
    bus,
    outboxes: [authOutbox, productOutbox],
    onError: (error) => log.error("outbox relay failed", { error: String(error) }),
  });
  const servicePorts: ServicePorts = { db, cache, clock, log, eventsCommitted: relay.kick };

  const auth = createAuthService(servicePorts, {
    sessionTtlDays: config.SESSION_TTL_DAYS,
    sessionMaxAgeDays: config.SESSION_MAX_AGE_DAYS,
    ...(overrides.loginLimits && { limits: overrides.loginLimits }),
  });
  const user = createUserService(servicePorts, { auth });
  const product = createProductService(servicePorts, { cacheTtlMs: config.CACHE_TTL_SECONDS * 1000 });
  const services = { auth, user, product };

  const host = createHost({
    routers: serviceRouters,
    createContext: createContextFactory({
      services,
      allowedOrigins: [...config.ALLOWED_ORIGINS, ...(config.PUBLIC_URL ? [config.PUBLIC_URL] : [])],
      trustProxy: config.TRUST_PROXY,
    }),
    log,
    maxBodyBytes: config.MAX_BODY_BYTES,
    trustProxy: config.TRUST_PROXY,
    ready: async () => {
      await Promise.all([db.ping(), cache.ping()]);
    },
  });
  mountPages(host.app);
  relay.start();

  return {
    app: host.app,
    host,
    services,
    relay,
    /** Stops the relay and the bus; the caller owns (and closes) the database and cache. */
    async close() {
      await relay.stop();
      await bus.close();
    },
  };
}
export type Shop = Awaited<ReturnType<typeof createShop>>;
