import { mountStorefront, prepareStorefront, type Storefront } from "../../clients/web/serve.ts";
import type { Clock } from "../../platform/clock.ts";
import type { Database } from "../../platform/db/port.ts";
import { type Logger, silentLogger } from "../../platform/log.ts";
import { createFastrClient } from "../../routers/client.ts";
import { embeddedPorts } from "../../shapes/embedded/ports.ts";
import { createShop, readShopConfig, type ShopOverrides } from "../../shapes/embedded/shop.ts";

let emailCounter = 0;
/** A unique address per call, so tests sharing a shop never collide. */
export const uniqueEmail = (prefix = "shopper") =>
  `${prefix}-${Date.now().toString(36)}-${++emailCounter}@example.test`;

/**
 * The embedded shop on a real loopback port, with an in-memory PGlite: what a client sees over HTTP.
 * @example const shop = await startTestShop(); const client = shop.client(token); ... await shop.stop();
 */
export type TestShopOptions = {
  clock?: Clock;
  env?: Record<string, string>;
  overrides?: ShopOverrides;
  /** Reuse a database (a "restart"); a fresh in-memory PGlite otherwise. */
  db?: Database;
  onQuery?: (sql: string) => void;
  /** Bounds of the in-memory cache (a small one makes eviction cheap to provoke). */
  cacheSize?: { maxEntries?: number; maxChars?: number };
  /** Where the shop logs (nowhere by default). */
  log?: Logger;
  /** Also serve the storefront at `/`, as `bun start` does (built first when missing or stale). */
  storefront?: boolean;
};

/** One build check and one load per test process, however many shops serve the storefront. */
let storefront: Promise<Storefront> | undefined;

const fastRetry = { attempts: 3, baseDelayMs: 5, maxDelayMs: 20 };

export async function startTestShop(options: TestShopOptions = {}) {
  // Tests sign up and sign in from one address; throttling tests set their own limits.
  const config = readShopConfig({ LOG_LEVEL: "silent", SIGNUP_LIMIT: "1000000", ...options.env });
  const embedded = await embeddedPorts({
    log: options.log ?? silentLogger,
    ...(options.db && { db: options.db }),
    ...(options.onQuery && { onQuery: options.onQuery }),
    ...(options.clock && { clock: options.clock }),
    ...(options.cacheSize && { cache: options.cacheSize }),
    bus: { retry: fastRetry },
  });
  const { db, limits, bus } = embedded.ports;
  const shop = await createShop(config, embedded.ports, {
    loginLimits: { ipAttempts: 10_000 },
    sendRetry: fastRetry,
    periodicJobs: false,
    ...options.overrides,
  });
  if (options.storefront) {
    storefront ??= prepareStorefront();
    mountStorefront(shop.app, await storefront);
  }
  const server = Bun.serve({ hostname: "127.0.0.1", port: 0, fetch: shop.app.fetch });
  const url = server.url.origin;

  return {
    url,
    shop,
    services: shop.services,
    db,
    bus,
    limits,
    /** A typed client; with a token it signs in by Bearer header. */
    client: (token?: string) =>
      createFastrClient({ baseUrl: url, headers: token ? { authorization: `Bearer ${token}` } : {} }),
    /** A raw HTTP call, for wire-level assertions (cookies, status codes, malformed bodies). */
    fetch: (path: string, init?: RequestInit) => fetch(`${url}${path}`, init),
    /** Signs up a fresh customer and returns their token and client. */
    async customer(name = "Ada Shopper") {
      const email = uniqueEmail();
      const grant = await createFastrClient({ baseUrl: url }).auth.signup.mutate({
        email,
        password: "correct horse battery",
        name,
      });
      return { ...grant, email, password: "correct horse battery", client: this.client(grant.token) };
    },
    /** A staff account, created the way `bun run staff:create` does, signed in over HTTP. */
    async staff() {
      const email = uniqueEmail("staff");
      await shop.services.auth.upsertStaff({ email, password: "staff password 1", name: "Sam Staff" });
      const grant = await createFastrClient({ baseUrl: url }).auth.login.mutate({
        email,
        password: "staff password 1",
      });
      return { ...grant, client: this.client(grant.token) };
    },
    /** Lets queued events reach their consumers and due e-mails go out (stored, without SMTP). */
    async settle() {
      await shop.settle();
    },
    /** Stops this shop as a crash would leave it (nothing finished) and starts a new one on the same database. */
    async restart(overrides: ShopOverrides = {}) {
      await server.stop(true);
      await shop.close();
      return startTestShop({
        ...options,
        db,
        overrides: { ...options.overrides, faults: () => {}, ...overrides },
      });
    },
    async stop() {
      await server.stop(true);
      await shop.close();
      await embedded.close();
    },
  };
}
export type TestShop = Awaited<ReturnType<typeof startTestShop>>;

/** POST a tRPC mutation with a raw body: `{"json": input}`. */
export const mutationBody = (input: unknown) => JSON.stringify({ json: input });
/** The query string of a tRPC GET: `?input=<{"json": input}>`. */
export const queryString = (input: unknown) =>
  `?input=${encodeURIComponent(JSON.stringify({ json: input }))}`;
