import type { Database } from "../../../platform/db/port.ts";
import type { Logger } from "../../../platform/log.ts";
import type { OrderDeps } from "../index.ts";
import type { OrderStore } from "../store.ts";
import type { SagaPoint } from "./place-order.ts";

/** Called at each gap between saga steps; tests make it throw (or kill the process) to simulate a crash there. */
export type FaultHook = (point: SagaPoint) => void | Promise<void>;

/** What every step of the checkout saga works with. */
export type SagaContext = {
  db: Database;
  log: Logger;
  product: OrderDeps["product"];
  payment: OrderDeps["payment"];
  cart: OrderDeps["cart"];
  faults: FaultHook;
  reservationTtlMs: number;
  /** Saves a change the domain decided, with its events, in one transaction. */
  save: OrderStore["save"];
};
