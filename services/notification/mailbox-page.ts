import { desc, eq } from "drizzle-orm";
import type { Hono, MiddlewareHandler } from "hono";
import type { Database } from "../../platform/db/port.ts";
import type { HostEnv } from "../../platform/http/host.ts";
import { emailColumns, emails } from "./db/schema.ts";
import { escapeHtml as e } from "./templates.ts";

type Row = Pick<
  typeof emails.$inferSelect,
  "id" | "to" | "subject" | "text" | "html" | "kind" | "status" | "attempts" | "lastError" | "createdAt"
>;

const STATUS_COLOURS: Record<Row["status"], string> = {
  pending: "#fff4e5;color:#8a5300",
  sent: "#e7f6ec;color:#17623a",
  stored: "#eef0f3;color:#3d4654",
  dead: "#fdecec;color:#a01c1c",
};

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

const when = (d: Date) => `${d.toISOString().slice(0, 19).replace("T", " ")} UTC`;

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#1d2430}
h1{margin:0 0 .25rem}p.lead{margin:0 0 1.5rem;color:#5b6472}
details{border:1px solid #e3e6eb;border-radius:8px;margin:0 0 .6rem;background:#fff}
summary{cursor:pointer;padding:.6rem .9rem;display:grid;grid-template-columns:11rem 1fr 9rem 5rem;gap:.8rem;align-items:baseline}
summary .subject{font-weight:600}summary .to{color:#5b6472;font-size:13px}
.time,.kind{color:#5b6472;font-size:13px;font-variant-numeric:tabular-nums}
.status{font-size:12px;padding:.1rem .5rem;border-radius:99px;text-align:center}
.body{padding:0 .9rem .9rem}iframe{width:100%;height:34rem;border:1px solid #e3e6eb;border-radius:6px;background:#f4f5f7}
pre{white-space:pre-wrap;background:#f6f7f9;padding:.8rem;border-radius:6px;font-size:13px}
.meta{font-size:13px;color:#5b6472}.error{color:#a01c1c}.empty{padding:2rem;text-align:center;color:#5b6472;border:1px dashed #d5d9e0;border-radius:8px}`;

function item(row: Row): string {
  return `<details>
<summary><span class="time">${e(when(row.createdAt))}</span>
<span><span class="subject">${e(row.subject)}</span><br><span class="to">to ${e(row.to)}</span></span>
<span class="kind">${e(row.kind)}</span>
<span class="status" style="background:${STATUS_COLOURS[row.status]}">${e(row.status)}</span></summary>
<div class="body">
<p class="meta">Attempts: ${row.attempts} · <a href="/dev/mailbox/${e(row.id)}">open on its own</a>${
    row.lastError ? ` · <span class="error">last error: ${e(row.lastError)}</span>` : ""
  }</p>
<iframe sandbox srcdoc="${e(row.html)}" title="${e(row.subject)}" loading="lazy"></iframe>
<pre>${e(row.text)}</pre>
</div></details>`;
}

/** The mailbox page: the latest emails, each opening to its rendered HTML (sandboxed) and its text. */
export function mailboxPage(rows: readonly Row[]): string {
  const list = rows.length
    ? rows.map(item).join("\n")
    : `<p class="empty">No emails yet. Sign up or place an order, and the emails the shop sends appear here.</p>`;
  return `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>Mailbox — fastr (dev)</title><style>${STYLE}</style></head>
<body><h1>Mailbox</h1>
<p class="lead">The latest ${rows.length} emails the shop produced, newest first. <em>stored</em> means no SMTP
server is configured (set <code>SMTP_URL</code> to send them); click an email to read it.</p>
${list}
</body></html>`;
}

const IPV4 = /^\d{1,3}(\.\d{1,3}){3}$/;

/**
 * Whether a Host header names this machine in a way DNS cannot forge: `localhost` (and
 * `*.localhost`), or an IP address. A DNS-rebinding page reaches a loopback server under its own
 * domain name, so its requests carry that name and are refused.
 */
export function isLocalHostHeader(host: string | undefined) {
  if (!host) return false;
  const name = host.startsWith("[") ? host.slice(0, host.indexOf("]") + 1) : host.replace(/:\d*$/, "");
  const lower = name.toLowerCase().replace(/\.$/, "");
  return (
    lower === "localhost" ||
    lower.endsWith(".localhost") ||
    IPV4.test(lower) ||
    /^\[[0-9a-f:.]+\]$/.test(lower)
  );
}

const onlyForLocalNames: MiddlewareHandler<HostEnv> = async (c, next) => {
  if (isLocalHostHeader(c.req.header("host") ?? new URL(c.req.url).host)) return next();
  c.header("Cache-Control", "no-store");
  return c.text(
    "The dev mailbox answers only to localhost or an IP address (this Host header looks like another site's name, as in DNS rebinding). Open it as http://localhost:<port>/dev/mailbox.",
    403,
  );
};

/**
 * Serves `/dev/mailbox` (the latest 50 emails) and `/dev/mailbox/<id>` (one email's HTML).
 * Embedded shape only: it shows every customer's emails, so never mount it where strangers can reach it.
 * @example mountMailbox(host.app, db);
 */
export function mountMailbox(app: Hono<HostEnv>, db: Database) {
  app.use("/dev/mailbox", onlyForLocalNames);
  app.use("/dev/mailbox/*", onlyForLocalNames);
  app.get("/dev/mailbox", async (c) => {
    const rows = await db.primary
      .select({ ...emailColumns, attempts: emails.attempts, lastError: emails.lastError })
      .from(emails)
      .orderBy(desc(emails.createdAt), desc(emails.id))
      .limit(50);
    c.header("Cache-Control", "no-store");
    return c.html(mailboxPage(rows));
  });

  app.get("/dev/mailbox/:id", async (c) => {
    const id = c.req.param("id");
    const [row] = UUID.test(id)
      ? await db.primary.select({ html: emails.html }).from(emails).where(eq(emails.id, id))
      : [];
    if (!row) return c.text("no such email", 404);
    c.header("Cache-Control", "no-store");
    return c.html(row.html);
  });
}
