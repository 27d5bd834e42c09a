import type { AnyRouter } from "@trpc/server";
import type { Hono } from "hono";
import type { z } from "zod";
import type { InboxTable } from "./bus/inbox.ts";
import type { OutboxTable } from "./bus/outbox.ts";
import type { EventHandler, PoisonHandler } from "./bus/port.ts";
import type { Migrations } from "./db/port.ts";
import type { HostEnv } from "./http/host.ts";
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

/** Background work: run every `everyMs`, and once at start when `atStart` says so. */
export type Job = {
  name: string;
  everyMs: number;
  run: (options: { atStart: boolean }) => Promise<unknown>;
  atStart?: boolean;
};

/** What `create` returns: the service's API plus everything a shape must run for it. */
export type ServiceInstance<Api> = {
  api: Api;
  consumers?: readonly EventConsumer[];
  jobs?: readonly Job[];
  /** Routes besides the tRPC routers (webhooks, media, dev pages). */
  mount?: (app: Hono<HostEnv>) => void;
  /** Called once the host serves; background senders start here. */
  start?: () => Promise<void>;
  /** Called on shutdown, before the ports close. */
  stop?: () => Promise<void>;
};

/**
 * A service, described for the shapes that run it: the embedded shop iterates every module in one
 * process; `services/<name>/main.ts` runs one module per process. Nothing here knows the shape.
 */
export type ServiceModule<Name extends ServiceName, Api, Deps, Config> = {
  name: Name;
  migrations: Migrations;
  /** Outbox tables the relay publishes from. */
  outboxes: readonly OutboxTable[];
  /** Inbox tables housekeeping prunes. */
  inboxes: readonly InboxTable[];
  /** The environment variables this service reads (validated per service). */
  config: z.ZodType<Config, Record<string, string | undefined>>;
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
