import type { EventName, PayloadOf } from "../../contracts/events.ts";

/** What a template produces: the three parts of an email. */
export type RenderedEmail = { subject: string; text: string; html: string };

export const SHOP_NAME = "fastr";

const ESCAPES: Record<string, string> = {
  "&": "&amp;",
  "<": "&lt;",
  ">": "&gt;",
  '"': "&quot;",
  "'": "&#39;",
};

/** Makes any value safe as HTML text or as a (quoted) attribute value. */
export const escapeHtml = (value: unknown): string => String(value).replace(/[&<>"']/g, (c) => ESCAPES[c]!);

/** Markup that is already safe; anything else interpolated into `html` is escaped. */
class SafeHtml {
  constructor(readonly value: string) {}
  toString() {
    return this.value;
  }
}

const toHtml = (value: unknown): string =>
  value instanceof SafeHtml
    ? value.value
    : Array.isArray(value)
      ? value.map(toHtml).join("")
      : escapeHtml(value);

/** A tagged template that escapes every interpolation by default, so a forgotten escape cannot happen. */
const html = (strings: TemplateStringsArray, ...values: unknown[]) =>
  new SafeHtml(strings.reduce((out, s, i) => out + s + (i < values.length ? toHtml(values[i]) : ""), ""));

/** Collapses control characters and runs of whitespace: for subjects (headers) and one-line text. */
export const oneLine = (value: string, max = 200) =>
  value
    .replace(/\p{Cc}+/gu, " ")
    .replace(/\s+/g, " ")
    .trim()
    .slice(0, max);

type MoneyLike = { amount: number; currency: string };

/**
 * Integer minor units to a display amount in the currency's own decimals: `{ 4900, "EUR" }` → `€49.00`.
 * An unknown or malformed currency code still shows the amount, with the code after it.
 */
export function formatMoney({ amount, currency }: MoneyLike): string {
  let money: MoneyFormat;
  try {
    money = moneyFormat(currency);
  } catch {
    return `${(amount / 100).toFixed(2)} ${oneLine(currency, 8)}`;
  }
  return money.format.format(amount / 10 ** money.digits);
}

type MoneyFormat = { format: Intl.NumberFormat; digits: number };
/**
 * Formatters by currency code, made once: making one loads its locale data again, ~45 µs, and an
 * order's e-mail formats every line and total. A shop sells in a few currencies; the map is bounded
 * anyway, as the codes come from events.
 */
const moneyFormats = new Map<string, MoneyFormat>();
const MAX_MONEY_FORMATS = 64;

/** The currency's formatter and its decimals; throws on a malformed code (as `Intl.NumberFormat` does). */
function moneyFormat(currency: string): MoneyFormat {
  const known = moneyFormats.get(currency);
  if (known) return known;
  const format = new Intl.NumberFormat("en-US", { style: "currency", currency });
  const made = { format, digits: format.resolvedOptions().maximumFractionDigits ?? 2 };
  if (moneyFormats.size < MAX_MONEY_FORMATS) moneyFormats.set(currency, made);
  return made;
}

// --- layout -------------------------------------------------------------------------------------

const FONT = "-apple-system,BlinkMacSystemFont,Segoe UI,Roboto,Helvetica,Arial,sans-serif";

/** The shared frame: a centred card with inline styles only (no external images, fonts or CSS). */
function layout({ title, preheader, body }: { title: string; preheader: string; body: SafeHtml }): string {
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>${title}</title></head>
<body style="margin:0;padding:0;background:#f4f5f7;">
<div style="display:none;max-height:0;overflow:hidden;">${preheader}</div>
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="background:#f4f5f7;padding:24px 12px;">
<tr><td align="center">
<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="max-width:560px;background:#ffffff;border-radius:10px;font-family:${FONT};color:#1d2430;font-size:16px;line-height:1.5;">
<tr><td style="padding:20px 32px;border-bottom:1px solid #e6e8ec;font-size:20px;font-weight:700;letter-spacing:-0.01em;">${SHOP_NAME}</td></tr>
<tr><td style="padding:28px 32px;">
${body}
</td></tr>
<tr><td style="padding:16px 32px;border-top:1px solid #e6e8ec;font-size:12px;color:#6b7280;">
You are receiving this email because of your account at ${SHOP_NAME}. Questions? Just reply to this email.
</td></tr>
</table></td></tr></table></body></html>`.value;
}

const heading = (text: string) =>
  html`<h1 style="margin:0 0 16px;font-size:22px;line-height:1.3;">${text}</h1>`;
const para = (content: unknown) => html`<p style="margin:0 0 14px;">${content}</p>`;
const muted = (content: unknown) =>
  html`<p style="margin:0 0 14px;color:#6b7280;font-size:14px;">${content}</p>`;
const callout = (content: unknown, tone: "info" | "warn" = "info") =>
  html`<p style="margin:0 0 16px;padding:12px 16px;border-radius:6px;background:${tone === "warn" ? "#fff4e5" : "#eef4ff"};">${content}</p>`;

type Line = { title: string; quantity: number; lineTotal: MoneyLike };

type Breakdown = { subtotal: MoneyLike; shipping: MoneyLike; tax: MoneyLike } | undefined;
type Address = {
  name: string;
  line1: string;
  line2?: string | undefined;
  postalCode: string;
  city: string;
  country: string;
};

const breakdownRow = (label: string, value: string) =>
  html`<tr><td colspan="2" style="padding:6px 0 0;color:#6b7280;">${label}</td>
<td align="right" style="padding:6px 0 0;color:#6b7280;white-space:nowrap;">${value}</td></tr>`;

const addressLines = (a: Address) =>
  [a.name, a.line1, a.line2, `${a.postalCode} ${a.city}`, a.country]
    .filter((l): l is string => Boolean(l))
    .map((l) => oneLine(l, 200));

function linesTable(lines: readonly Line[], total: MoneyLike, breakdown?: Breakdown) {
  const rows = lines.map(
    (l) => html`<tr>
<td style="padding:8px 0;border-bottom:1px solid #f0f1f4;">${oneLine(l.title)}</td>
<td style="padding:8px 12px;border-bottom:1px solid #f0f1f4;color:#6b7280;white-space:nowrap;">× ${l.quantity}</td>
<td align="right" style="padding:8px 0;border-bottom:1px solid #f0f1f4;white-space:nowrap;">${formatMoney(l.lineTotal)}</td>
</tr>`,
  );
  return html`<table role="presentation" width="100%" cellpadding="0" cellspacing="0" style="margin:8px 0 18px;border-collapse:collapse;font-size:15px;">
${rows}
${breakdown ? [breakdownRow("Subtotal", formatMoney(breakdown.subtotal)), breakdownRow("Shipping", breakdown.shipping.amount === 0 ? "free" : formatMoney(breakdown.shipping))] : ""}
<tr><td colspan="2" style="padding:10px 0 0;font-weight:700;">Total</td>
<td align="right" style="padding:10px 0 0;font-weight:700;white-space:nowrap;">${formatMoney(total)}</td></tr>
${breakdown ? breakdownRow("Including tax", formatMoney(breakdown.tax)) : ""}
</table>`;
}

const linesText = (lines: readonly Line[], total: MoneyLike, breakdown?: Breakdown) =>
  [
    ...lines.map((l) => `  ${l.quantity} × ${oneLine(l.title)} — ${formatMoney(l.lineTotal)}`),
    ...(breakdown
      ? [
          `  Subtotal: ${formatMoney(breakdown.subtotal)}`,
          `  Shipping: ${breakdown.shipping.amount === 0 ? "free" : formatMoney(breakdown.shipping)}`,
        ]
      : []),
    `  Total: ${formatMoney(total)}${breakdown ? ` (including ${formatMoney(breakdown.tax)} tax)` : ""}`,
  ].join("\n");

const greeting = (name: string | undefined) => {
  const n = name === undefined ? "" : oneLine(name, 120);
  return n ? `Hi ${n},` : "Hi there,";
};

const signOff = `— The ${SHOP_NAME} team`;

const textOf = (...paragraphs: (string | false)[]) =>
  `${paragraphs.filter((p) => p !== false).join("\n\n")}\n\n${signOff}\n`;

const orderRef = (orderId: string) =>
  html`<strong style="font-family:monospace;font-size:14px;">${orderId}</strong>`;

// --- one template per event ---------------------------------------------------------------------

type OrderPayload = PayloadOf<"order.paid@1">;

export function welcome(p: PayloadOf<"user.registered@1">): RenderedEmail {
  const subject = oneLine(`Welcome to ${SHOP_NAME}, ${p.name}!`);
  return {
    subject,
    text: textOf(
      greeting(p.name),
      `Welcome to ${SHOP_NAME}! Your account for ${p.email} is ready.`,
      "Browse the catalogue, fill your cart and check out whenever you like — we will email you when your order is confirmed and again when it ships.",
      "If you did not create this account, just reply to this email and we will sort it out.",
    ),
    html: layout({
      title: subject,
      preheader: "Your account is ready.",
      body: html`${heading(`Welcome to ${SHOP_NAME}!`)}
${para(greeting(p.name))}
${para(html`Your account for <strong>${p.email}</strong> is ready.`)}
${para("Browse the catalogue, fill your cart and check out whenever you like — we will email you when your order is confirmed and again when it ships.")}
${muted("If you did not create this account, just reply to this email and we will sort it out.")}
${para(signOff)}`,
    }),
  };
}

export function orderConfirmed(p: OrderPayload): RenderedEmail {
  const total = formatMoney(p.total);
  const subject = `Your order is confirmed — ${total}`;
  return {
    subject,
    text: textOf(
      greeting(p.name),
      `Thank you for your order! We have received your payment of ${total} and are getting order #${p.number} ready.`,
      `Your order:\n${linesText(p.lines, p.total, p.breakdown)}`,
      p.shipTo !== undefined &&
        `Shipping to:\n${addressLines(p.shipTo)
          .map((l) => `  ${l}`)
          .join("\n")}`,
      "We will email you again as soon as it ships.",
    ),
    html: layout({
      title: subject,
      preheader: `We have received your payment of ${total}.`,
      body: html`${heading("Thank you for your order!")}
${para(greeting(p.name))}
${para(html`We have received your payment of <strong>${total}</strong> and are getting your order ready.`)}
${linesTable(p.lines, p.total, p.breakdown)}
${p.shipTo ? para(html`<strong>Shipping to</strong><br>${addressLines(p.shipTo).map((l) => html`${l}<br>`)}`) : ""}
${muted(html`Order ${orderRef(`#${p.number}`)}`)}
${para("We will email you again as soon as it ships.")}
${para(signOff)}`,
    }),
  };
}

export function paymentFailed(p: PayloadOf<"order.payment_failed@1">): RenderedEmail {
  const total = formatMoney(p.total);
  const reason = oneLine(p.reason, 500);
  const subject = `Payment for your order did not go through — ${total}`;
  return {
    subject,
    text: textOf(
      greeting(p.name),
      `We could not take the payment of ${total} for order #${p.number}.`,
      `Reason: ${reason}`,
      "You have not been charged. Please check your payment details and place the order again, or try another card.",
      `The order was:\n${linesText(p.lines, p.total)}`,
    ),
    html: layout({
      title: subject,
      preheader: `We could not take the payment of ${total}.`,
      body: html`${heading("Your payment did not go through")}
${para(greeting(p.name))}
${para(html`We could not take the payment of <strong>${total}</strong> for your order.`)}
${callout(html`<strong>Reason:</strong> ${reason}`, "warn")}
${para("You have not been charged. Please check your payment details and place the order again, or try another card.")}
${linesTable(p.lines, p.total)}
${muted(html`Order ${orderRef(`#${p.number}`)}`)}
${para(signOff)}`,
    }),
  };
}

export function orderCancelled(p: PayloadOf<"order.cancelled@1">): RenderedEmail {
  const total = formatMoney(p.total);
  const reason = oneLine(p.reason, 500);
  const subject = `Your order has been cancelled — ${total}`;
  return {
    subject,
    text: textOf(
      greeting(p.name),
      `Your order #${p.number} (${total}) has been cancelled.`,
      `Reason: ${reason}`,
      "If you were charged for it, you will get a separate email when the refund is issued.",
      `The order was:\n${linesText(p.lines, p.total)}`,
    ),
    html: layout({
      title: subject,
      preheader: `Your order of ${total} has been cancelled.`,
      body: html`${heading("Your order has been cancelled")}
${para(greeting(p.name))}
${para(html`Your order of <strong>${total}</strong> has been cancelled.`)}
${callout(html`<strong>Reason:</strong> ${reason}`)}
${para("If you were charged for it, you will get a separate email when the refund is issued.")}
${linesTable(p.lines, p.total)}
${muted(html`Order ${orderRef(`#${p.number}`)}`)}
${para(signOff)}`,
    }),
  };
}

export function orderShipped(p: PayloadOf<"order.fulfilled@1">): RenderedEmail {
  const total = formatMoney(p.total);
  const subject = "Your order is on its way";
  return {
    subject,
    text: textOf(
      greeting(p.name),
      `Good news: order #${p.number} (${total}) has been packed and handed to the carrier.`,
      `In the parcel:\n${linesText(p.lines, p.total)}`,
      "Thank you for shopping with us!",
    ),
    html: layout({
      title: subject,
      preheader: "Your order has been packed and handed to the carrier.",
      body: html`${heading("Your order is on its way")}
${para(greeting(p.name))}
${para("Good news: your order has been packed and handed to the carrier.")}
${linesTable(p.lines, p.total)}
${muted(html`Order ${orderRef(`#${p.number}`)}`)}
${para("Thank you for shopping with us!")}
${para(signOff)}`,
    }),
  };
}

export function refundIssued(p: PayloadOf<"payment.refunded@1">): RenderedEmail {
  const amount = formatMoney(p.amount);
  const subject = `Your refund of ${amount} has been issued`;
  return {
    subject,
    text: textOf(
      greeting(undefined),
      `We have refunded ${amount} for order ${p.orderId} to your original payment method.`,
      "Depending on your bank it can take a few business days to show on your statement.",
      `Refund reference: ${p.refundId}`,
    ),
    html: layout({
      title: subject,
      preheader: `We have refunded ${amount} to your original payment method.`,
      body: html`${heading("Your refund has been issued")}
${para(greeting(undefined))}
${para(html`We have refunded <strong>${amount}</strong> to your original payment method.`)}
${para("Depending on your bank it can take a few business days to show on your statement.")}
${muted(html`Order ${orderRef(p.orderId)}<br>Refund reference ${orderRef(p.refundId)}`)}
${para(signOff)}`,
    }),
  };
}

/** Every event that becomes an email, by `type@version`, with its template. */
export const templates = {
  "user.registered@1": welcome,
  "order.paid@1": orderConfirmed,
  "order.payment_failed@1": paymentFailed,
  "order.cancelled@1": orderCancelled,
  "order.fulfilled@1": orderShipped,
  "payment.refunded@1": refundIssued,
} satisfies { [N in EventName]?: (payload: PayloadOf<N>) => RenderedEmail };

export type EmailEvent = keyof typeof templates;

/** The event types (any version) this service emails about. */
export const emailEventTypes: ReadonlySet<string> = new Set(
  Object.keys(templates).map((n) => n.split("@")[0]!),
);

/** Renders the email for an already-validated payload. */
export const render = <N extends EmailEvent>(name: N, payload: PayloadOf<N>): RenderedEmail =>
  (templates[name] as (p: PayloadOf<N>) => RenderedEmail)(payload);
