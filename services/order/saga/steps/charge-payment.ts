import { DomainError } from "../../../../contracts/errors.ts";
import { money } from "../../../../contracts/money.ts";
import type { ChargeResult } from "../../../../contracts/payment.ts";
import { refund } from "../../domain/order.ts";
import type { StoredOrder } from "../../store.ts";
import type { SagaContext } from "../context.ts";

/** Where a crash is simulated in this step: once the provider answered. */
export const points = ["after-charge"] as const;

/** What the customer is told when the provider failed instead of answering. */
const PROVIDER_FAILED =
  "the payment could not be completed because the payment provider did not answer; nothing is held for this order. If your card was charged anyway, the order completes or is refunded automatically";

/** A charge's outcome, or why it could not be made: either way, not charged as far as we know. */
export type Charged = ChargeResult | { status: "failed"; message: string };

const customer = (order: StoredOrder) => ({ userId: order.userId, email: order.email });

/**
 * Charges the order's total, idempotently per order. Whatever goes wrong (a refused request, a
 * timeout, a bug) is an outcome, not an exception: the order must not sit on its stock until the
 * reservation expires. A charge that went through anyway is reported by the provider later and
 * settled by following the payment (ADR 020, 021).
 */
export async function chargePayment(saga: SagaContext, order: StoredOrder): Promise<Charged> {
  let result: ChargeResult;
  try {
    result = await saga.payment.charge({
      orderId: order.id,
      amount: money(order.total, order.currency),
      paymentMethodId: order.paymentMethodId,
      customer: customer(order),
    });
  } catch (error) {
    if (error instanceof DomainError) return { status: "failed", message: error.message };
    saga.log.error("the payment provider failed during a checkout", { orderId: order.id, error });
    return { status: "failed", message: PROVIDER_FAILED };
  }
  await saga.faults("after-charge");
  return result;
}

/** The compensation: the money of a cancelled, paid order goes back, and the order ends refunded. */
export async function refundPayment(saga: SagaContext, order: StoredOrder): Promise<StoredOrder> {
  await saga.payment.refund({
    orderId: order.id,
    reason: order.statusReason ?? "cancelled",
    customer: customer(order),
  });
  return saga.save(order, refund(order));
}
