import { describe, expect, it } from "bun:test";
import { OrderStatus } from "../../../contracts/order.ts";
import {
  abandonCheckout,
  cancel,
  cancelWithoutStock,
  canMove,
  cartCleared,
  checkCustomerCanCancel,
  markPaid,
  move,
  type OrderState,
  refund,
  refundedAtProvider,
  transitions,
} from "./order.ts";

const allowed = new Set([
  "pending→awaiting_payment",
  "pending→cancelled",
  "awaiting_payment→paid",
  "awaiting_payment→payment_failed",
  "awaiting_payment→cancelled",
  "paid→fulfilled",
  "paid→cancelled",
  "paid→refunded",
  "cancelled→refunded",
  "fulfilled→refunded",
  "payment_failed→paid",
  "payment_failed→cancelled",
]);

describe("order status", () => {
  it("allows exactly the documented transitions and refuses every other one of the 49", () => {
    for (const from of OrderStatus.options) {
      for (const to of OrderStatus.options) {
        const key = `${from}→${to}`;
        if (allowed.has(key)) {
          expect(move(from, to)).toBe(to);
        } else {
          expect(() => move(from, to)).toThrow(/^cannot .+ an order that is /);
        }
      }
    }
    expect(Object.values(transitions).flat()).toHaveLength(allowed.size);
  });

  it("names both states when it refuses", () => {
    expect(() => move("fulfilled", "cancelled")).toThrow("cannot cancel an order that is fulfilled");
    expect(() => move("refunded", "paid")).toThrow("cannot mark as paid an order that is refunded");
  });

  it("treats refunded as final", () => {
    expect(OrderStatus.options.some((to) => canMove("refunded", to))).toBe(false);
  });

  it("lets the provider's word move a failed or shipped order only towards paid or refunded", () => {
    expect(transitions.payment_failed).toEqual(["paid", "cancelled"]);
    expect(transitions.fulfilled).toEqual(["refunded"]);
  });

  it("lets a customer cancel only a paid order", () => {
    expect(() => checkCustomerCanCancel("paid")).not.toThrow();
    for (const status of OrderStatus.options.filter((s) => s !== "paid")) {
      expect(() => checkCustomerCanCancel(status)).toThrow(/^cannot cancel an order that is /);
    }
    expect(() => checkCustomerCanCancel("payment_failed")).toThrow(
      "cannot cancel an order that is payment failed",
    );
  });
});

const placed: OrderState = {
  id: "0190a000-0000-7000-8000-000000000001",
  number: 42,
  userId: "0190a000-0000-7000-8000-000000000002",
  email: "ada@example.test",
  customerName: "Ada",
  status: "awaiting_payment",
  statusReason: null,
  currency: "EUR",
  subtotal: 5000,
  shipping: 0,
  tax: 798,
  total: 5000,
  shippingAddress: { name: "Ada", line1: "1 Loop Road", city: "Berlin", postalCode: "10115", country: "DE" },
  lines: [
    { title: "Linen shirt", variantTitle: "M", quantity: 2, lineTotal: 4000 },
    { title: "Mug", variantTitle: "Default", quantity: 1, lineTotal: 1000 },
  ],
  refundDue: false,
  cartClearDue: false,
  paymentCheckDue: false,
  restockDue: false,
};

describe("the order aggregate", () => {
  it("marks a charged order paid, owes the cart a clean-up only if it was not done, and tells the customer once", () => {
    expect(markPaid(placed, { cartCleared: false }).order).toMatchObject({
      status: "paid",
      cartClearDue: true,
    });
    const { order, events } = markPaid({ ...placed, statusReason: "an old decline" }, { cartCleared: true });
    expect(order).toMatchObject({ status: "paid", statusReason: null, cartClearDue: false });
    expect(events).toEqual([
      {
        name: "order.paid@1",
        payload: expect.objectContaining({
          orderId: placed.id,
          number: 42,
          total: { amount: 5000, currency: "EUR" },
          lines: [
            { title: "Linen shirt (M)", quantity: 2, lineTotal: { amount: 4000, currency: "EUR" } },
            { title: "Mug", quantity: 1, lineTotal: { amount: 1000, currency: "EUR" } },
          ],
        }),
      },
    ]);
  });

  it("lets the customer cancel a paid order, owing the refund and saying why", () => {
    const { order, events } = cancel({ ...placed, status: "paid" });
    expect(order).toMatchObject({
      status: "cancelled",
      refundDue: true,
      statusReason: "cancelled by the customer",
    });
    expect(events.map((e) => [e.name, e.payload])).toEqual([
      ["order.cancelled@1", expect.objectContaining({ reason: "cancelled by the customer" })],
    ]);
  });

  it("refuses a customer's cancel while the checkout runs, and after shipping", () => {
    expect(() => cancel(placed)).toThrow("this order's checkout is still running");
    expect(() => cancel({ ...placed, status: "fulfilled" })).toThrow(
      "cannot cancel an order that is fulfilled",
    );
  });

  it("ends an unplaced checkout without telling anybody, and only while it runs", () => {
    expect(abandonCheckout(placed, "Mug is sold out")).toEqual({
      order: { ...placed, status: "cancelled", statusReason: "Mug is sold out" },
      events: [],
    });
    expect(() => abandonCheckout({ ...placed, status: "paid" }, "late")).toThrow(
      "cannot cancel an order that is paid",
    );
  });

  it("refunds a cancelled order with the reason it was cancelled for", () => {
    const cancelled = cancelWithoutStock(placed, "Mug is sold out").order;
    expect(cancelled).toMatchObject({
      statusReason: "Mug is sold out; your payment is refunded",
      refundDue: true,
    });
    const { order, events } = refund(cancelled);
    expect(order).toMatchObject({
      status: "refunded",
      refundDue: false,
      statusReason: cancelled.statusReason,
    });
    expect(events[0]).toMatchObject({
      name: "order.refunded@1",
      payload: { reason: "Mug is sold out; your payment is refunded" },
    });
  });

  it("follows a refund made at the provider, restocking only what has not shipped", () => {
    expect(
      refundedAtProvider({ ...placed, status: "paid", paymentCheckDue: true }, { restock: true }).order,
    ).toMatchObject({
      status: "refunded",
      paymentCheckDue: false,
      restockDue: true,
    });
    expect(() => refundedAtProvider({ ...placed, status: "refunded" }, { restock: false })).toThrow(
      "cannot refund an order that is refunded",
    );
  });

  it("changes only bookkeeping flags when owed work is done, with no events", () => {
    expect(cartCleared<OrderState>({ ...placed, status: "paid", cartClearDue: true })).toEqual({
      order: { ...placed, status: "paid", cartClearDue: false },
      events: [],
    });
  });
});
