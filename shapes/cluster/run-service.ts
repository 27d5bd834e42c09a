import { z } from "zod";
import { authInternal } from "../../contracts/auth.internal.ts";
import { cartInternal } from "../../contracts/cart.internal.ts";
import type { InternalApi } from "../../contracts/internal.ts";
import { paymentInternal } from "../../contracts/payment.internal.ts";
import { productInternal } from "../../contracts/product.internal.ts";
import { userInternal } from "../../contracts/user.internal.ts";
import { redisCache } from "../../platform/cache/redis.ts";
import { resilientCache } from "../../platform/cache/resilient.ts";
import { systemClock } from "../../platform/clock.ts";
import { env, hostSettings, postgresUrl, readConfigOrExit, redisUrl } from "../../platform/config.ts";
import { openPostgres } from "../../platform/db/pg.ts";
import { mountInternalRoutes } from "../../platform/http/internal-routes.ts";
import { serve } from "../../platform/http/serve.ts";
import { fallbackLimits } from "../../platform/limits/fallback.ts";
import { memoryLimits } from "../../platform/limits/memory.ts";
import { redisLimits } from "../../platform/limits/redis.ts";
import { createLogger, type Logger } from "../../platform/log.ts";
import { mountMetrics } from "../../platform/metrics/route.ts";
import type { ServiceModule, ServiceName } from "../../platform/module.ts";
import { requestPathRedis } from "../../platform/request-path-redis.ts";
import { redisCall, redisPeer } from "../../platform/telemetry/redis.ts";
import { type TelemetrySettings, telemetrySettings } from "../../platform/telemetry/settings.ts";
import { remoteService } from "../../routers/internal.ts";
import { sessionCheck } from "../../services/auth/session-check.ts";
import { cachedVariantsReader } from "../../services/product/cache/cached-variants-reader.ts";
import { composeServices } from "../compose.ts";
import { busSettings, openBus } from "./bus.ts";

/** What a service instance of the distributed shape reads besides its own service's variables. */
export const instanceSettings = z.object({
  /** The primary: Postgres itself, or a transaction-mode pooler (PgBouncer) in front of it. */
  DATABASE_URL: postgresUrl(),
  /** The streaming replica, the same way; lag-tolerant reads go there. */
  DATABASE_REPLICA_URL: postgresUrl("postgres://user:pass@127.0.0.1:6432/fastr_replica").optional(),
  DATABASE_POOL_SIZE: env.int(1, 200).default(10),
  /**
   * Keep hot statements prepared on each connection (ADR 181): true when the URLs reach Postgres
   * itself or a pooler that keeps prepared statements (PgBouncer 1.21+ with `max_prepared_statements`).
   */
  DATABASE_PREPARED_STATEMENTS: env.bool().default(false),
  REDIS_URL: redisUrl(),
  /** The secret every service signs its calls to the others with. */
  INTERNAL_SECRET: z.string().min(32, { message: "expected a secret of at least 32 characters" }),
  /** This process's name in logs and consumer groups, e.g. `order-2`. */
  INSTANCE: z.string().min(1).optional(),
});

/** The internal API of every service others may call. */
const internalContracts = {
  auth: authInternal,
  cart: cartInternal,
  product: productInternal,
  payment: paymentInternal,
  user: userInternal,
} as const;
type Callable = keyof typeof internalContracts;
const callable = (name: ServiceName): name is Callable => name in internalContracts;

/** The services an instance of `module` talks to: the ones it calls, and auth for every session check. */
export const calleesOf = (module: ServiceModule): Callable[] =>
  [...new Set<ServiceName>([...module.calls, "auth"])].filter((n) => n !== module.name).filter(callable);

/** `<SERVICE>_URLS` for every callee: base URLs of its instances, comma-separated. */
const calleeSettings = (callees: readonly Callable[]) =>
  z.object(
    Object.fromEntries(
      callees.map((name) => [
        `${name.toUpperCase()}_URLS`,
        env
          .list(env.url(/^https?$/, `http://127.0.0.1:3001`))
          .pipe(z.array(z.string()).min(1, { message: "expected at least one URL" })),
      ]),
    ),
  );

/** Remembers internal-call nonces in Redis (shared by every instance); in memory while Redis is away. */
function nonceGuard(url: string, log: Logger) {
  const redis = requestPathRedis(url, "nonces", { keyPrefix: "nonce:" });
  const peer = redisPeer(url);
  const local = new Map<string, number>();
  return {
    async firstUse(nonce: string, ttlMs: number) {
      try {
        return (await redisCall("SET", peer, () => redis.set(nonce, "1", "PX", ttlMs, "NX"))) === "OK";
      } catch (error) {
        log.warn("nonce store unavailable; remembering nonces in this process", { error });
        const now = Date.now();
        for (const [n, until] of local) if (until < now) local.delete(n);
        if (local.has(nonce)) return false;
        local.set(nonce, now + ttlMs);
        return true;
      }
    },
    close: () => redis.quit().catch(() => redis.disconnect()),
  };
}

/**
 * One process of one service in the distributed shape: Postgres (the primary and the replica),
 * Redis for the cache, the event bus (Redis Streams or Kafka, see bus.ts), remote adapters for the
 * services it calls, its public router for NGINX and its internal router for the other services.
 * `bun services/<name>/main.ts`.
 * @example await runService(orderModule);
 */
export async function runService(module: ServiceModule) {
  const callees = calleesOf(module);
  const config = readConfigOrExit([
    hostSettings,
    telemetrySettings,
    instanceSettings,
    busSettings,
    calleeSettings(callees),
    module.config,
  ]) as z.infer<typeof hostSettings> &
    TelemetrySettings &
    z.infer<typeof instanceSettings> &
    z.infer<typeof busSettings> &
    Record<string, unknown>;
  const instance = config.INSTANCE ?? `${module.name}-${process.pid}`;
  const log = createLogger(config.LOG_LEVEL, { base: { service: module.name, instance } });

  const db = await openPostgres({
    url: config.DATABASE_URL,
    ...(config.DATABASE_REPLICA_URL && { replicaUrl: config.DATABASE_REPLICA_URL }),
    poolSize: config.DATABASE_POOL_SIZE,
    preparedStatements: config.DATABASE_PREPARED_STATEMENTS,
    applicationName: instance,
    onError: (error) => log.warn("idle database connection failed", { error }),
  });
  const cache = resilientCache(redisCache(config.REDIS_URL), log);
  const limits = fallbackLimits(redisLimits(config.REDIS_URL), memoryLimits(), log);
  const bus = openBus(config, {
    instance,
    redisUrl: config.REDIS_URL,
    log,
    onPoison: (consumer, event, error) =>
      log.error("event dead-lettered", { consumer, eventId: event.id, type: event.type, error }),
  });
  const nonces = nonceGuard(config.REDIS_URL, log);
  const remote: Record<string, unknown> = Object.fromEntries(
    callees.map((name) => [
      name,
      remoteService(name, internalContracts[name], {
        urls: config[`${name.toUpperCase()}_URLS`] as string[],
        secret: config.INTERNAL_SECRET,
      }),
    ]),
  );
  // A session the auth service validated lately is checked from the shared cache, not by a call (ADR 175).
  if (remote.auth) {
    const auth = remote.auth as InternalApi<typeof authInternal>;
    remote.auth = { ...auth, validateSession: sessionCheck(auth, cache, systemClock) };
  }
  // So are the variants the product service answers from its caches (ADR 175).
  if (remote.product) {
    const product = remote.product as InternalApi<typeof productInternal>;
    remote.product = { ...product, cachedVariants: cachedVariantsReader(cache, product) };
  }

  const composed = await composeServices(
    [module],
    { db, cache, limits, bus, clock: systemClock, log },
    {
      config,
      instance,
      remote,
      sole: false,
      migrate: false,
      ready: async () => void (await db.ping()),
    },
  );
  if (module.internalRouter) {
    mountInternalRoutes(composed.app, {
      routers: {
        [module.name]: module.internalRouter(
          composed.services[module.name as keyof typeof composed.services],
        ),
      },
      secret: config.INTERNAL_SECRET,
      firstUse: nonces.firstUse,
      log,
    });
  }
  // The instance's own port, which NGINX's public listener never routes to for /metrics.
  mountMetrics(composed.app, composed.metrics);
  await composed.start();

  const { url } = serve(composed.host, {
    hostname: config.HOST,
    port: config.PORT,
    graceMs: config.SHUTDOWN_GRACE_MS,
    log,
    close: async () => {
      await composed.close();
      await nonces.close();
      await cache.close();
      await limits.close();
      await db.close();
    },
  });
  log.info("listening", { url: String(url) });
}
