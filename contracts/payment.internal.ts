import { z } from "zod";
import { Id } from "./common.ts";
import { type InternalContract, internal } from "./internal.ts";
import { Money } from "./money.ts";
import { DeclineCode, type PaymentApi, PaymentMethodId } from "./payment.ts";

const Customer = z.object({ userId: Id, email: z.string() });

export const ChargeResult = z.discriminatedUnion("status", [
  z.object({ status: z.literal("succeeded"), paymentId: Id, amount: Money }),
  z.object({ status: z.literal("declined"), paymentId: Id, declineCode: DeclineCode, message: z.string() }),
]);

export const PaymentRecord = z.object({
  paymentId: Id,
  orderId: Id,
  status: z.enum(["pending", "succeeded", "declined", "refunded"]),
  amount: Money,
  declineCode: DeclineCode.nullable(),
  refundedAmount: z.int(),
});

/** What the order saga calls on the payment service; every call is idempotent per order. */
export const paymentInternal = {
  checkMethod: internal(z.tuple([z.string().max(255)]), z.void(), { idempotent: true }),
  charge: internal(
    z.tuple([z.object({ orderId: Id, amount: Money, paymentMethodId: PaymentMethodId, customer: Customer })]),
    ChargeResult,
    { idempotent: true },
  ),
  refund: internal(
    z.tuple([z.object({ orderId: Id, reason: z.string(), customer: Customer })]),
    z.object({ refundId: Id, amount: Money }),
    { idempotent: true },
  ),
  find: internal(z.tuple([Id]), PaymentRecord.nullable(), { idempotent: true }),
} satisfies InternalContract<PaymentApi, "checkMethod" | "charge" | "refund" | "find">;
