import { DomainError } from "../../../../contracts/errors.ts";
import { abandonCheckout, awaitPayment } from "../../domain/order.ts";
import type { StoredOrder } from "../../store.ts";
import type { SagaContext } from "../context.ts";

/** Where a crash is simulated in this step: once the units are held, and once they went back. */
export const points = ["after-reserve", "after-release"] as const;

/** Holds the order's units until it is paid: the order awaits payment, or ends cancelled if they are gone. */
export async function reserveStock(saga: SagaContext, order: StoredOrder): Promise<StoredOrder> {
  try {
    await saga.product.reserve(
      order.id,
      order.lines.map((l) => ({ variantId: l.variantId, quantity: l.quantity })),
      saga.reservationTtlMs,
    );
  } catch (error) {
    if (!(error instanceof DomainError && error.code === "PRODUCT.OUT_OF_STOCK")) throw error;
    await saga.save(order, abandonCheckout(order, error.message));
    throw error;
  }
  await saga.faults("after-reserve");
  return saga.save(order, awaitPayment(order));
}

/** The compensation: the order's units, held or sold, go back on the shelf. Idempotent. */
export async function releaseStock(saga: SagaContext, order: StoredOrder): Promise<void> {
  await saga.product.releaseReservation(order.id);
  await saga.faults("after-release");
}
