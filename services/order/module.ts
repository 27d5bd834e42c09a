import { z } from "zod";
import type { OrderApi } from "../../contracts/order.ts";
import { MINUTE, SECOND } from "../../platform/clock.ts";
import { env } from "../../platform/config.ts";
import type { ServiceModule } from "../../platform/module.ts";
import { serviceMigrations } from "../../platform/service.ts";
import { orderRouter } from "../../routers/order.ts";
import { inbox, outbox } from "./db/schema.ts";
import { createOrderService, type OrderDeps } from "./index.ts";
import { type FaultHook, sagaPoints } from "./saga/place-order.ts";
import { setSagaLease } from "./store.ts";

export const orderConfig = z.object({
  /** How long a checkout may hold stock before paying. */
  RESERVATION_TTL_MINUTES: env.int(1, 24 * 60).default(15),
  /**
   * Test hook: the process SIGKILLs itself when a checkout reaches this saga gap (e.g. after-charge),
   * so a test can prove that a restart resolves the interrupted checkout. Never set it in production.
   */
  FASTR_KILL_AT: z.enum(sagaPoints).optional(),
  /** How long a checkout stays with the process running it before another may finish it (a crash). */
  ORDER_SAGA_LEASE_SECONDS: env.int(1, 3600).default(30),
  /** How often interrupted checkouts are looked for. */
  ORDER_RECOVERY_EVERY_SECONDS: env.int(1, 3600).default(30),
});

/** FASTR_KILL_AT: die without any cleanup at that saga gap, as a power cut would. */
const killAt =
  (point: z.infer<typeof orderConfig>["FASTR_KILL_AT"]): FaultHook =>
  (at) => {
    if (at === point) process.kill(process.pid, "SIGKILL");
  };

/** Orders and the checkout saga that places them. */
export const orderModule = {
  name: "order",
  migrations: serviceMigrations("order", import.meta.dir),
  outboxes: [outbox],
  inboxes: [inbox],
  config: orderConfig,
  calls: ["cart", "product", "payment", "user"],
  router: orderRouter,
  create(ports, deps: OrderDeps, config) {
    setSagaLease(config.ORDER_SAGA_LEASE_SECONDS);
    const orders = createOrderService(
      ports,
      { ...deps, faults: deps.faults ?? killAt(config.FASTR_KILL_AT) },
      { reservationTtlMs: config.RESERVATION_TTL_MINUTES * MINUTE },
    );
    return {
      api: orders.api,
      consumers: [orders.consumer],
      jobs: [
        {
          name: "recover interrupted checkouts",
          everyMs: config.ORDER_RECOVERY_EVERY_SECONDS * SECOND,
          atStart: true,
          // Alone on its database at start-up, every unfinished saga is ours; otherwise only expired leases.
          run: ({ atStart, sole }) => orders.recover({ everything: atStart && sole }),
        },
      ],
    };
  },
} satisfies ServiceModule<"order", OrderApi, OrderDeps, z.infer<typeof orderConfig>>;
