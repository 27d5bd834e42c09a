import { createContextFactory } from "../../routers/context.ts";
import { serviceRouters } from "../../routers/index.ts";
import { authModule, authOutbox, createAuthService } from "../../services/auth/index.ts";
import { cartModule, createCartService } from "../../services/cart/index.ts";
import {
  createNotificationService,
  mountMailbox,
  notificationInbox,
  notificationModule,
  smtpTransport,
} from "../../services/notification/index.ts";
import { createOrderService, orderModule, orderOutbox } from "../../services/order/index.ts";
import type { FaultHook } from "../../services/order/saga/place-order.ts";
import {
  createPaymentService,
  mountStripeWebhook,
  paymentModule,
  paymentOutbox,
  paymentProviderFrom,
} from "../../services/payment/index.ts";
import {
  catalogGeneration,
  createProductService,
  productModule,
  productOutbox,
} from "../../services/product/index.ts";
import { createUserService, userModule } from "../../services/user/index.ts";
import { pruneInbox } from "../bus/inbox.ts";
import { outboxRelay, pruneOutbox } from "../bus/outbox.ts";
import type { Bus } from "../bus/port.ts";
import type { Cache } from "../cache/port.ts";
import { type Clock, DAY, HOUR, MINUTE, SECOND } from "../clock.ts";
import type { Config } from "../config.ts";
import type { Database } from "../db/port.ts";
import { createHost } from "../http/host.ts";
import type { Logger } from "../log.ts";
import type { ServicePorts } from "../service.ts";
import { mountPages } from "./pages.ts";

/** FASTR_KILL_AT: die without any cleanup at that saga gap, as a power cut would. */
const killHook =
  (point: Config["FASTR_KILL_AT"]): FaultHook =>
  (at) => {
    if (at === point) process.kill(process.pid, "SIGKILL");
  };

/** Published events are kept a week (debugging, replays); the inbox remembers handled events a month. */
const OUTBOX_RETENTION_MS = 7 * DAY;
const INBOX_RETENTION_MS = 30 * DAY;
const GUEST_CART_RETENTION_MS = 30 * DAY;

export const modules = [
  authModule,
  userModule,
  productModule,
  cartModule,
  orderModule,
  paymentModule,
  notificationModule,
];

export type ShopPorts = { db: Database; cache: Cache; bus: Bus; clock: Clock; log: Logger };

/** Knobs tests turn; production leaves them alone. */
export type ShopOverrides = {
  loginLimits?: Parameters<typeof createAuthService>[1]["limits"];
  faults?: FaultHook;
  sendRetry?: { attempts: number; baseDelayMs: number; maxDelayMs: number };
  /** How often expired reservations and stuck sagas are swept (0: only at start-up). */
  sweepMs?: number;
};

/**
 * Every service in one process, wired to the given ports: migrations applied, stuck checkouts
 * recovered, outbox relay and e-mail sender running, one Hono app serving every router and the pages.
 * The embedded shape and the HTTP tests use this.
 * @example const shop = await createShop(config, { db: await openPglite(), cache: memoryCache(), bus: memoryBus(), clock: systemClock, log });
 */
export async function createShop(config: Config, ports: ShopPorts, overrides: ShopOverrides = {}) {
  const { db, cache, bus, clock, log } = ports;
  for (const module of modules) await db.migrate(module.migrations);

  const outboxes = [authOutbox, productOutbox, orderOutbox, paymentOutbox];
  const relay = outboxRelay({
    db,
    bus,
    outboxes,
    onError: (error) => log.error("outbox relay failed", { error }),
  });
  const servicePorts: ServicePorts = { db, cache, clock, log, eventsCommitted: relay.kick };

  const auth = createAuthService(servicePorts, {
    sessionTtlDays: config.SESSION_TTL_DAYS,
    sessionMaxAgeDays: config.SESSION_MAX_AGE_DAYS,
    ...(overrides.loginLimits && { limits: overrides.loginLimits }),
  });
  const user = createUserService(servicePorts, { auth });
  const product = createProductService(servicePorts, { cacheTtlMs: config.CACHE_TTL_SECONDS * SECOND });
  const cart = createCartService(
    servicePorts,
    { product },
    { taxRates: config.TAX_RATES, defaultCountry: config.DEFAULT_COUNTRY },
  );
  const payment = createPaymentService(servicePorts, { provider: paymentProviderFrom(config, servicePorts) });
  const orders = createOrderService(
    servicePorts,
    { cart, product, payment, user, faults: overrides.faults ?? killHook(config.FASTR_KILL_AT) },
    { reservationTtlMs: config.RESERVATION_TTL_MINUTES * MINUTE },
  );
  const transport = config.SMTP_URL ? smtpTransport(config.SMTP_URL) : null;
  const notifications = createNotificationService(servicePorts, {
    bus,
    transport,
    from: config.MAIL_FROM,
    ...(overrides.sendRetry && { retry: overrides.sendRetry }),
  });
  const services = { auth, user, product, cart, order: orders.api, payment, notification: notifications.api };

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
    responseCache: {
      cache,
      ttlMs: config.CACHE_TTL_SECONDS * SECOND,
      paths: ["/api/product/trpc/list", "/api/product/trpc/get", "/api/product/trpc/categories"],
      generation: () => catalogGeneration(cache),
    },
  });
  mountPages(host.app);
  if (config.DEV_MAILBOX ?? ["127.0.0.1", "localhost", "::1"].includes(config.HOST))
    mountMailbox(host.app, db);
  if (config.STRIPE_WEBHOOK_SECRET)
    mountStripeWebhook(host.app, { secret: config.STRIPE_WEBHOOK_SECRET, db, clock });

  await notifications.start();
  relay.start();

  /** Expired reservations go back on the shelf; sagas a crash left behind are finished or compensated. */
  const sweep = async (everything = false) => {
    const released = await product.releaseExpiredReservations();
    const recovered = await orders.recover({ everything });
    if (released || recovered)
      log.info("swept", { releasedReservations: released, recoveredOrders: recovered });
  };
  /** Keeps the bookkeeping tables from growing forever; runs hourly. */
  const housekeeping = async () => {
    const pruned = { outbox: 0, inbox: 0, guestCarts: await cart.sweepAbandoned(GUEST_CART_RETENTION_MS) };
    for (const table of outboxes) pruned.outbox += await pruneOutbox(db, table, OUTBOX_RETENTION_MS);
    pruned.inbox += await pruneInbox(db, notificationInbox, INBOX_RETENTION_MS);
    if (pruned.outbox || pruned.inbox || pruned.guestCarts) log.info("housekeeping", pruned);
    return pruned;
  };
  const housekeeper = setInterval(
    () => housekeeping().catch((error) => log.error("housekeeping failed", { error })),
    HOUR,
  );

  // One process owns this database in the embedded shape: every unfinished saga at start-up is ours.
  await sweep(true);
  const sweeper =
    (overrides.sweepMs ?? 30 * SECOND) > 0
      ? setInterval(
          () => sweep().catch((error) => log.error("sweep failed", { error })),
          overrides.sweepMs ?? 30 * SECOND,
        )
      : undefined;

  return {
    app: host.app,
    host,
    services,
    relay,
    notifications,
    sweep,
    housekeeping,
    /** Stops the background work and the bus; the caller owns (and closes) the database and cache. */
    async close() {
      clearInterval(sweeper);
      clearInterval(housekeeper);
      await relay.stop();
      await notifications.stop();
      await bus.close();
      await transport?.close();
    },
  };
}
export type Shop = Awaited<ReturnType<typeof createShop>>;
