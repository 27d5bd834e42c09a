import type { AnyRouter } from "@trpc/server";
import type { Hono } from "hono";
import type { z } from "zod";
import type { InboxTable } from "./bus/inbox.ts";
import type { OutboxTable } from "./bus/outbox.ts";
import type { EventHandler, PoisonHandler } from "./bus/port.ts";
import type { Migrations } from "./db/port.ts";
import type { HostEnv } from "./http/host.ts";
import type { ResponseCacheOptions } from "./http/response-cache.ts";
import type { ServicePorts } from "./service.ts";

/** The seven services, in an order where each one's dependencies come before it. */
export const serviceNames = ["product", "cart", "auth", "user", "payment", "order", "notification"] as const;
export type ServiceName = (typeof serviceNames)[number];

/** A subscription to the bus: `consumer` is the group name, effects go through `inbox` exactly once. */
export type EventConsumer = {
  consumer: string;
  handle: EventHandler;
  onPoison?: PoisonHandler;
};

/**
 * Background work: run every `everyMs`, and once at start when `atStart` says so. `sole` tells the
 * run whether this process is the only one on its database (the embedded shape), so that it may take
 * over work that another live process could otherwise still hold.
 */
export type Job = {
  name: string;
  everyMs: number;
  run: (context: { atStart: boolean; sole: boolean }) => Promise<unknown>;
  atStart?: boolean;
};

/** What `create` returns: the service's API plus everything a shape must run for it. */
export type ServiceInstance<Api> = {
  api: Api;
  consumers?: readonly EventConsumer[];
  jobs?: readonly Job[];
  /** Public queries whose answers the host may store and serve by URL (see response-cache.ts). */
  cachedQueries?: Omit<ResponseCacheOptions, "cache">;
  /** Routes besides the tRPC routers (webhooks, media, dev pages). */
  mount?: (app: Hono<HostEnv>) => void;
  /** Called once the host serves; background senders start here. */
  start?: () => Promise<void>;
  /** Does now what the background work would do soon (send due e-mails): tests and shutdown. */
  flush?: () => Promise<unknown>;
  /** Called on shutdown, before the ports close. */
  stop?: () => Promise<void>;
};

// biome-ignore-start lint/suspicious/noExplicitAny: shapes handle every module alike
/**
 * A service, described for the shapes that run it: the embedded shop iterates every module in one
 * process; `services/<name>/main.ts` runs one module per process. Nothing here knows the shape.
 */
export type ServiceModule<Name extends ServiceName = ServiceName, Api = any, Deps = any, Config = any> = {
  name: Name;
  migrations: Migrations;
  /** Outbox tables the relay publishes from. */
  outboxes: readonly OutboxTable[];
  /** Inbox tables housekeeping prunes. */
  inboxes: readonly InboxTable[];
  /** The environment variables this service reads (validated per service). */
  config: z.ZodType<Config>;
  /** The services this one calls (in the cluster, over their internal routers). */
  calls: readonly ServiceName[];
  /** Served at `/api/<name>/trpc`. */
  router: AnyRouter;
  /** Served at `/internal/<name>/trpc` to other services, behind the internal credential. */
  internalRouter?: (api: Api) => AnyRouter;
  create(
    ports: ServicePorts,
    deps: Deps,
    config: Config,
  ): Promise<ServiceInstance<Api>> | ServiceInstance<Api>;
};
// biome-ignore-end lint/suspicious/noExplicitAny: shapes handle every module alike
