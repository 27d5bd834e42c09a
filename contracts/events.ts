import { z } from "zod";
import { Id } from "./common.ts";

/** Every event travels in this envelope; `type` is past tense, `version` bumps on a breaking payload change. */
export const EventEnvelope = z.object({
  id: Id,
  type: z.string(),
  version: z.int().min(1),
  occurredAt: z.coerce.date(),
  aggregateId: z.string(),
  payload: z.unknown(),
  /**
   * W3C trace context of the work that wrote the event (a checkout's request), so its handling joins
   * that trace. Absent while tracing is off.
   */
  traceparent: z.string().max(256).optional(),
  tracestate: z.string().max(512).optional(),
});
export type EventEnvelope<P = unknown> = Omit<z.infer<typeof EventEnvelope>, "payload"> & { payload: P };

const MoneyPayload = z.object({ amount: z.int(), currency: z.string() });

/** What every order event carries, so consumers (e-mail) need not call back. */
const OrderEventPayload = z.object({
  orderId: Id,
  /** The short order number customers see and quote. */
  number: z.int().min(1),
  userId: Id,
  email: z.string(),
  name: z.string(),
  total: MoneyPayload,
  lines: z.array(z.object({ title: z.string(), quantity: z.int(), lineTotal: MoneyPayload })),
  /** How the total is made up; the total includes the tax. */
  breakdown: z.object({ subtotal: MoneyPayload, shipping: MoneyPayload, tax: MoneyPayload }).optional(),
  shipTo: z
    .object({
      name: z.string(),
      line1: z.string(),
      line2: z.string().optional(),
      postalCode: z.string(),
      city: z.string(),
      country: z.string(),
    })
    .optional(),
});

const PaymentStatusPayload = z.enum(["pending", "succeeded", "declined", "refunded"]);

/**
 * A change the payment provider reported on its own (a webhook), not the answer to a charge or refund
 * the shop asked for: the order it belongs to reconciles itself with its payment (ADR 021).
 */
const ProviderPaymentPayload = z.object({
  orderId: Id,
  paymentId: Id,
  userId: Id,
  amount: MoneyPayload,
  /** The payment's status before the provider's event moved it. */
  previousStatus: PaymentStatusPayload,
});

/** Payload schemas by `type@version`: a consumer parses with these before it acts. */
export const EventPayloads = {
  "user.registered@1": z.object({ userId: Id, email: z.string(), name: z.string() }),
  "user.password_changed@1": z.object({ userId: Id }),
  "product.created@1": z.object({ productId: Id }),
  "product.updated@1": z.object({ productId: Id }),
  "product.archived@1": z.object({ productId: Id }),
  "product.stock_changed@1": z.object({ productId: Id, variantId: Id, stock: z.int() }),
  "order.paid@1": OrderEventPayload,
  "order.payment_failed@1": OrderEventPayload.extend({ reason: z.string() }),
  "order.cancelled@1": OrderEventPayload.extend({ reason: z.string() }),
  "order.fulfilled@1": OrderEventPayload,
  "order.refunded@1": OrderEventPayload.extend({ reason: z.string() }),
  "payment.refunded@1": z.object({
    orderId: Id,
    userId: Id,
    email: z.string(),
    refundId: Id,
    amount: MoneyPayload,
  }),
  /** The provider says the charge succeeded: after a decline, or when the charge call's answer was lost. */
  "payment.succeeded_at_provider@1": ProviderPaymentPayload,
  /** The charge was refunded in full outside the shop (the Stripe Dashboard). */
  "payment.refunded_at_provider@1": ProviderPaymentPayload,
} as const;

export type EventName = keyof typeof EventPayloads;
export type EventType = EventName extends `${infer T}@${number}` ? T : never;
export type PayloadOf<N extends EventName> = z.infer<(typeof EventPayloads)[N]>;
