import { afterAll, beforeAll, beforeEach, describe, expect, it } from "bun:test";
import { DomainError } from "../../contracts/errors.ts";
import { stripeProvider } from "./stripe-provider.ts";

/**
 * A stand-in for api.stripe.com on 127.0.0.1: the real API is not reachable from here (no network,
 * no test key), so this answers the two endpoints the provider uses with Stripe-shaped JSON and
 * records exactly what the official SDK sent. The response shapes follow Stripe's API reference
 * (PaymentIntent, Refund, and the `error` object of a 402 card error).
 */
type Sent = { method: string; path: string; headers: Headers; form: URLSearchParams };

const paymentIntent = (id: string, status: string, extra: Record<string, unknown> = {}) => ({
  id,
  object: "payment_intent",
  amount: 4990,
  currency: "eur",
  status,
  last_payment_error: null,
  ...extra,
});

const cardError = (fields: { code: string; decline_code?: string; message: string }) => ({
  error: {
    type: "card_error",
    ...fields,
    doc_url: `https://stripe.com/docs/error-codes/${fields.code}`,
    payment_intent: paymentIntent("pi_declined_1", "requires_payment_method", {
      last_payment_error: { type: "card_error", ...fields },
    }),
  },
});

/** What the stand-in answers for each payment method it is sent. */
const scenarios: Record<string, { status: number; body: unknown }> = {
  pm_card_visa: { status: 200, body: paymentIntent("pi_ok_1", "succeeded") },
  pm_card_chargeDeclinedInsufficientFunds: {
    status: 402,
    body: cardError({
      code: "card_declined",
      decline_code: "insufficient_funds",
      message: "Your card has insufficient funds.",
    }),
  },
  pm_card_chargeDeclinedExpiredCard: {
    status: 402,
    body: cardError({ code: "expired_card", message: "Your card has expired." }),
  },
  pm_card_doNotHonor: {
    status: 402,
    body: cardError({
      code: "card_declined",
      decline_code: "do_not_honor",
      message: "Your card was declined.",
    }),
  },
  pm_card_failedButReturned: {
    status: 200,
    body: paymentIntent("pi_failed_2", "requires_payment_method", {
      last_payment_error: {
        type: "card_error",
        code: "card_declined",
        decline_code: "lost_card",
        message: "Your card was declined.",
      },
    }),
  },
  pm_card_threeDSecure2Required: { status: 200, body: paymentIntent("pi_3ds_1", "requires_action") },
  pm_does_not_exist: {
    status: 400,
    body: {
      error: {
        type: "invalid_request_error",
        code: "resource_missing",
        param: "payment_method",
        message: "No such PaymentMethod: 'pm_does_not_exist'",
      },
    },
  },
};

describe("Stripe provider (official SDK against a local stand-in)", () => {
  let server: ReturnType<typeof Bun.serve>;
  let sent: Sent[] = [];
  /** Idempotency keys the stand-in answers 409 once, as Stripe does for a concurrent request. */
  const busyOnce = new Set<string>();

  beforeAll(() => {
    server = Bun.serve({
      hostname: "127.0.0.1",
      port: 0,
      async fetch(req) {
        const url = new URL(req.url);
        const form = new URLSearchParams(await req.text());
        sent.push({ method: req.method, path: url.pathname, headers: req.headers, form });
        const key = req.headers.get("idempotency-key") ?? "";
        if (busyOnce.delete(key)) {
          return Response.json(
            {
              error: {
                type: "idempotency_error",
                message: "There is currently another in-progress request using this Idempotent Key.",
              },
            },
            { status: 409 },
          );
        }
        if (req.method === "POST" && url.pathname === "/v1/payment_intents") {
          const scenario = scenarios[form.get("payment_method") ?? ""];
          if (scenario) return Response.json(scenario.body, { status: scenario.status });
        }
        if (req.method === "POST" && url.pathname === "/v1/refunds") {
          if (form.get("payment_intent") === "pi_refunded_elsewhere") {
            return Response.json(
              {
                error: {
                  type: "invalid_request_error",
                  code: "charge_already_refunded",
                  message: "Charge ch_1 has already been refunded.",
                },
              },
              { status: 400 },
            );
          }
          return Response.json({
            id: "re_1",
            object: "refund",
            amount: Number(form.get("amount")),
            payment_intent: form.get("payment_intent"),
            status: "succeeded",
          });
        }
        return Response.json(
          { error: { type: "invalid_request_error", message: "unexpected" } },
          { status: 404 },
        );
      },
    });
  });
  afterAll(() => server.stop(true));
  beforeEach(() => {
    sent = [];
  });

  const provider = () =>
    stripeProvider({
      secretKey: "sk_test_standin",
      host: "127.0.0.1",
      port: server.port,
      protocol: "http",
    });
  const charge = (paymentMethodId: string, idempotencyKey = `charge:${crypto.randomUUID()}`) =>
    provider().charge({
      idempotencyKey,
      amount: 4990,
      currency: "EUR",
      paymentMethodId,
      metadata: { orderId: "0190a0f0-0000-7000-8000-000000000001", userId: "u-1" },
    });

  it("confirms a PaymentIntent with the idempotency key, lower-case currency and no redirects", async () => {
    const outcome = await charge("pm_card_visa", "charge:order-1");
    expect(outcome).toEqual({ status: "succeeded", ref: "pi_ok_1" });
    expect(sent).toHaveLength(1);
    const [request] = sent;
    expect(request!.method).toBe("POST");
    expect(request!.path).toBe("/v1/payment_intents");
    expect(request!.headers.get("idempotency-key")).toBe("charge:order-1");
    expect(request!.headers.get("authorization")).toBe("Bearer sk_test_standin");
    expect(Object.fromEntries(request!.form)).toEqual({
      amount: "4990",
      currency: "eur",
      payment_method: "pm_card_visa",
      confirm: "true",
      "automatic_payment_methods[enabled]": "true",
      "automatic_payment_methods[allow_redirects]": "never",
      "metadata[orderId]": "0190a0f0-0000-7000-8000-000000000001",
      "metadata[userId]": "u-1",
    });
  });

  it("maps a card error's decline_code to a decline with Stripe's message and the PaymentIntent id", async () => {
    expect(await charge("pm_card_chargeDeclinedInsufficientFunds")).toEqual({
      status: "declined",
      ref: "pi_declined_1",
      declineCode: "insufficient_funds",
      message: "Your card has insufficient funds.",
    });
  });

  it("maps a card error that carries its reason in `code` (expired card)", async () => {
    expect(await charge("pm_card_chargeDeclinedExpiredCard")).toMatchObject({
      status: "declined",
      declineCode: "expired_card",
      message: "Your card has expired.",
    });
  });

  it("treats an issuer reason the contract does not model as a generic decline", async () => {
    expect(await charge("pm_card_doNotHonor")).toMatchObject({
      status: "declined",
      declineCode: "generic_decline",
    });
  });

  it("reads a decline from a returned PaymentIntent's last_payment_error", async () => {
    expect(await charge("pm_card_failedButReturned")).toEqual({
      status: "declined",
      ref: "pi_failed_2",
      declineCode: "lost_card",
      message: "Your card was declined.",
    });
  });

  it("declines a card that needs 3-D Secure, which server-side confirmation cannot complete", async () => {
    expect(await charge("pm_card_threeDSecure2Required")).toMatchObject({
      status: "declined",
      ref: "pi_3ds_1",
      declineCode: "generic_decline",
    });
  });

  it("turns a missing PaymentMethod into PAYMENT.UNKNOWN_METHOD", async () => {
    const error = await charge("pm_does_not_exist").catch((e: unknown) => e);
    expect(error).toBeInstanceOf(DomainError);
    expect(error).toMatchObject({ kind: "BAD_REQUEST", code: "PAYMENT.UNKNOWN_METHOD" });
  });

  it("retries a 409 (concurrent request with the same key) with the same idempotency key", async () => {
    busyOnce.add("charge:busy");
    expect(await charge("pm_card_visa", "charge:busy")).toEqual({ status: "succeeded", ref: "pi_ok_1" });
    expect(sent.map((r) => r.headers.get("idempotency-key"))).toEqual(["charge:busy", "charge:busy"]);
  });

  it("refunds the PaymentIntent with its own idempotency key", async () => {
    expect(
      await provider().refund({ idempotencyKey: "refund:order-1", ref: "pi_ok_1", amount: 4990 }),
    ).toEqual({
      ref: "re_1",
    });
    expect(sent).toHaveLength(1);
    expect(sent[0]!.path).toBe("/v1/refunds");
    expect(sent[0]!.headers.get("idempotency-key")).toBe("refund:order-1");
    expect(Object.fromEntries(sent[0]!.form)).toEqual({ payment_intent: "pi_ok_1", amount: "4990" });
  });

  it("reports a charge refunded elsewhere as PAYMENT.ALREADY_REFUNDED", async () => {
    const error = await provider()
      .refund({ idempotencyKey: "refund:order-2", ref: "pi_refunded_elsewhere", amount: 4990 })
      .catch((e: unknown) => e);
    expect(error).toMatchObject({ kind: "CONFLICT", code: "PAYMENT.ALREADY_REFUNDED" });
  });
});
