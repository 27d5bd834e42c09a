import { describe, expect, it } from "bun:test";
import { DeclineCode } from "../../../contracts/payment.ts";
import {
  chargeResultOf,
  checkRefundable,
  checkSameCharge,
  DECLINE_MESSAGES,
  type PaymentState,
  providerChangeEvent,
  toDeclineCode,
  webhookTransition,
} from "./payment.ts";

const payment = (overrides: Partial<PaymentState> = {}): PaymentState => ({
  id: "p-1",
  orderId: "o-1",
  status: "succeeded",
  amount: 1200,
  currency: "EUR",
  declineCode: null,
  declineMessage: null,
  ...overrides,
});

describe("payment rules", () => {
  it("has a cardholder message for every decline code", () => {
    for (const code of DeclineCode.options) expect(DECLINE_MESSAGES[code]).toMatch(/^[A-Z].+\.$/);
  });

  it("takes the first decline reason it models and calls anything else a generic decline", () => {
    expect(toDeclineCode("insufficient_funds", "card_declined")).toBe("insufficient_funds");
    expect(toDeclineCode(undefined, "expired_card")).toBe("expired_card");
    expect(toDeclineCode("do_not_honor", "card_declined")).toBe("generic_decline");
    expect(toDeclineCode()).toBe("generic_decline");
  });

  it("reads a refunded payment as the successful charge it was, and a pending one as no answer yet", () => {
    expect(chargeResultOf(payment({ status: "refunded" }))).toEqual({
      status: "succeeded",
      paymentId: "p-1",
      amount: { amount: 1200, currency: "EUR" },
    });
    expect(chargeResultOf(payment({ status: "pending" }))).toBeNull();
    expect(chargeResultOf(payment({ status: "declined", declineCode: "lost_card" }))).toEqual({
      status: "declined",
      paymentId: "p-1",
      declineCode: "lost_card",
      message: "Your card was declined.",
    });
  });

  it("refuses a repeated charge that asks for another amount or currency", () => {
    expect(() => checkSameCharge(payment(), { amount: 1200, currency: "EUR" })).not.toThrow();
    expect(() => checkSameCharge(payment(), { amount: 1201, currency: "EUR" })).toThrow(
      "order o-1 was already charged 1200 EUR; refusing a second charge of 1201 EUR",
    );
    expect(() => checkSameCharge(payment(), { amount: 1200, currency: "GBP" })).toThrow();
  });

  it("refunds only successful charges", () => {
    expect(() => checkRefundable(payment())).not.toThrow();
    expect(() => checkRefundable(payment({ status: "declined" }))).toThrow("its payment is declined");
    expect(() => checkRefundable(payment({ status: "pending" }))).toThrow("its payment is pending");
  });

  it("moves a payment only forward on provider events", () => {
    expect(webhookTransition("payment_intent.succeeded", "pending")).toBe("succeeded");
    expect(webhookTransition("payment_intent.succeeded", "declined")).toBe("succeeded");
    expect(webhookTransition("payment_intent.succeeded", "refunded")).toBeNull();
    expect(webhookTransition("payment_intent.payment_failed", "pending")).toBe("declined");
    expect(webhookTransition("payment_intent.payment_failed", "succeeded")).toBeNull();
    expect(webhookTransition("charge.refunded", "succeeded")).toBe("refunded");
    expect(webhookTransition("charge.refunded", "pending")).toBeNull();
    expect(webhookTransition("customer.created", "pending")).toBeNull();
    expect(webhookTransition("constructor", "pending")).toBeNull();
    expect(webhookTransition("__proto__", "pending")).toBeNull();
  });

  it("tells the order about money the provider took or gave back on its own, and nothing else", () => {
    expect(providerChangeEvent("succeeded")).toBe("payment.succeeded_at_provider@1");
    expect(providerChangeEvent("refunded")).toBe("payment.refunded_at_provider@1");
    expect(providerChangeEvent("declined")).toBeNull();
    expect(providerChangeEvent("pending")).toBeNull();
  });
});
