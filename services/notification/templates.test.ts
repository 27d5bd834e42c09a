import { describe, expect, it } from "bun:test";
import type { PayloadOf } from "../../contracts/events.ts";
import {
  escapeHtml,
  formatMoney,
  oneLine,
  orderCancelled,
  orderConfirmed,
  orderShipped,
  paymentFailed,
  refundIssued,
  welcome,
} from "./templates.ts";

const orderId = "0190f1a2-3b4c-7d5e-8f60-718293a4b5c6";
const userId = "0190f1a2-3b4c-7d5e-8f60-000000000001";

const order: PayloadOf<"order.paid@1"> = {
  orderId,
  number: 1042,
  userId,
  email: "ada@example.com",
  name: "Ada",
  total: { amount: 4900, currency: "EUR" },
  lines: [
    { title: "Linen Shirt — Navy / M", quantity: 2, lineTotal: { amount: 3800, currency: "EUR" } },
    { title: "Pour-over Kettle", quantity: 1, lineTotal: { amount: 1100, currency: "EUR" } },
  ],
};

/** The visible text of an HTML document (tags dropped, the few entities we emit decoded). */
const visible = (html: string) =>
  html
    .replace(/<[^>]+>/g, " ")
    .replace(/&lt;/g, "<")
    .replace(/&gt;/g, ">")
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, "&")
    .replace(/\s+/g, " ");

describe("escapeHtml", () => {
  it("escapes the five characters that matter in text and quoted attributes", () => {
    expect(escapeHtml(`<a href="x" onclick='y'>Tom & Jerry</a>`)).toBe(
      "&lt;a href=&quot;x&quot; onclick=&#39;y&#39;&gt;Tom &amp; Jerry&lt;/a&gt;",
    );
    expect(escapeHtml(42)).toBe("42");
  });
});

describe("formatMoney", () => {
  it("formats minor units in the currency's own decimals", () => {
    expect(formatMoney({ amount: 4900, currency: "EUR" })).toBe("€49.00");
    expect(formatMoney({ amount: 5, currency: "EUR" })).toBe("€0.05");
    expect(formatMoney({ amount: 123_456_789, currency: "USD" })).toBe("$1,234,567.89");
    expect(formatMoney({ amount: 1999, currency: "GBP" })).toBe("£19.99");
    expect(formatMoney({ amount: 500, currency: "JPY" })).toBe("¥500");
  });

  it("still shows the amount for a currency code it cannot format", () => {
    expect(formatMoney({ amount: 4900, currency: "EURO" })).toBe("49.00 EURO");
  });

  it("keeps each currency's own format when currencies alternate, a code it cannot format between them", () => {
    const seen = ["JPY", "EUR", "EURO", "JPY", "EUR"].map((currency) =>
      formatMoney({ amount: 1234, currency }),
    );
    expect(seen).toEqual(["¥1,234", "€12.34", "12.34 EURO", "¥1,234", "€12.34"]);
  });
});

describe("oneLine", () => {
  it("removes line breaks and control characters, so a subject cannot carry extra headers", () => {
    expect(oneLine("Hi\r\nBcc: evil@example.com\u0000 there")).toBe("Hi Bcc: evil@example.com there");
  });
});

describe("templates", () => {
  it("welcomes a new customer by name and address", () => {
    const email = welcome({ userId, email: "ada@example.com", name: "Ada" });
    expect(email.subject).toBe("Welcome to fastr, Ada!");
    expect(email.text).toContain("Hi Ada,");
    expect(email.text).toContain("ada@example.com");
    expect(visible(email.html)).toContain("Your account for ada@example.com is ready.");
  });

  it("confirms an order with every line, the total as money and the order number", () => {
    const email = orderConfirmed(order);
    expect(email.subject).toBe("Your order is confirmed — €49.00");
    for (const part of [email.text, visible(email.html)]) {
      expect(part).toContain("#1042");
      expect(part).toContain("€49.00");
      expect(part).toContain("Linen Shirt — Navy / M");
      expect(part).toContain("€38.00");
      expect(part).toContain("Pour-over Kettle");
      expect(part).toContain("€11.00");
    }
    expect(email.text).toContain("2 × Linen Shirt — Navy / M — €38.00");
    expect(email.text).toContain("Total: €49.00");
  });

  it("tells the customer why the payment failed", () => {
    const email = paymentFailed({ ...order, reason: "Your card has insufficient funds." });
    expect(email.subject).toContain("did not go through");
    for (const part of [email.text, visible(email.html)]) {
      expect(part).toContain("Your card has insufficient funds.");
      expect(part).toContain("#1042");
      expect(part).toContain("€49.00");
    }
  });

  it("says an order was cancelled and why", () => {
    const email = orderCancelled({ ...order, reason: "cancelled at your request" });
    expect(email.subject).toBe("Your order has been cancelled — €49.00");
    for (const part of [email.text, visible(email.html)]) {
      expect(part).toContain("cancelled at your request");
      expect(part).toContain("#1042");
      expect(part).toContain("€49.00");
    }
  });

  it("says an order shipped, with what is in the parcel", () => {
    const email = orderShipped(order);
    expect(email.subject).toBe("Your order is on its way");
    for (const part of [email.text, visible(email.html)]) {
      expect(part).toContain("#1042");
      expect(part).toContain("Pour-over Kettle");
      expect(part).toContain("€49.00");
    }
  });

  it("confirms a refund with its amount, the order and the refund reference", () => {
    const refundId = "0190f1a2-3b4c-7d5e-8f60-0000000000ff";
    const email = refundIssued({
      orderId,
      userId,
      email: "ada@example.com",
      refundId,
      amount: { amount: 1250, currency: "GBP" },
    });
    expect(email.subject).toBe("Your refund of £12.50 has been issued");
    for (const part of [email.text, visible(email.html)]) {
      expect(part).toContain("£12.50");
      expect(part).toContain(orderId);
      expect(part).toContain(refundId);
    }
  });

  it("escapes every value a customer or the catalogue controls", () => {
    const hostile = `<script>alert("x")</script>`;
    const emails = [
      welcome({ userId, email: `a${hostile}@example.com`, name: hostile }),
      orderConfirmed({ ...order, name: hostile, lines: [{ ...order.lines[0]!, title: hostile }] }),
      paymentFailed({ ...order, name: hostile, reason: hostile }),
      orderCancelled({ ...order, reason: `" onload="alert(1)` }),
      refundIssued({
        orderId,
        userId,
        email: "a@example.com",
        refundId: hostile,
        amount: { amount: 1, currency: "EUR" },
      }),
    ];
    for (const email of emails) {
      expect(email.html).not.toContain("<script");
      expect(email.html).not.toContain('" onload="');
    }
    expect(emails[1]!.html).toContain("&lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;");
    // The plain-text part is not HTML: it keeps the characters as they are.
    expect(emails[1]!.text).toContain(hostile);
  });

  it("keeps subjects on one line even when a name contains line breaks", () => {
    expect(welcome({ userId, email: "a@example.com", name: "Ada\r\nBcc: x@example.com" }).subject).toBe(
      "Welcome to fastr, Ada Bcc: x@example.com!",
    );
  });

  it("builds self-contained HTML: no external images, fonts, stylesheets or scripts", () => {
    const html = orderConfirmed(order).html;
    expect(html.startsWith("<!doctype html>")).toBe(true);
    expect(html).not.toMatch(/<img|<link|<script|@import|url\(|https?:\/\//i);
  });
});

describe("order confirmation details", () => {
  it("breaks the total down and says where the parcel goes, escaping the address", () => {
    const email = orderConfirmed({
      ...order,
      total: { amount: 5390, currency: "EUR" },
      breakdown: {
        subtotal: { amount: 4900, currency: "EUR" },
        shipping: { amount: 490, currency: "EUR" },
        tax: { amount: 861, currency: "EUR" },
      },
      shipTo: {
        name: "Ada <b>Lovelace</b>",
        line1: "12 St James's Square",
        postalCode: "SW1Y 4JH",
        city: "London",
        country: "GB",
      },
    });
    for (const part of [email.text, email.html]) {
      expect(part).toContain("€49.00");
      expect(part).toContain("€4.90");
      expect(part).toContain("€8.61");
      expect(part).toContain("SW1Y 4JH London");
    }
    expect(email.text).toContain("Total: €53.90 (including €8.61 tax)");
    expect(email.html).toContain("Ada &lt;b&gt;Lovelace&lt;/b&gt;");
    expect(email.html).not.toContain("<b>Lovelace</b>");
  });
});
