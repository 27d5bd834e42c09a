import type { Hono } from "hono";
import type { HostEnv } from "../../platform/http/host.ts";

const home = `<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>fastr — embedded shop</title>
<style>body{font:16px/1.5 system-ui,sans-serif;max-width:44rem;margin:3rem auto;padding:0 1rem;color:#1d2430}
code{background:#f1f3f6;padding:.1rem .3rem;border-radius:4px}li{margin:.3rem 0}</style></head>
<body><h1>fastr is running</h1>
<p>The embedded shop: all seven services (auth, user, product, cart, order, payment, notification) in this
one process, on PGlite, an in-memory cache and an in-process event bus. The storefront comes later; the API
is live now: every procedure is listed, with a form to try queries, at <a href="/dev/api">/dev/api</a>, and
e-mails the shop would send are at <a href="/dev/mailbox">/dev/mailbox</a>.</p>
<h2>Health</h2><ul><li><a href="/healthz">/healthz</a> — the process answers</li>
<li><a href="/readyz">/readyz</a> — database and cache answer</li></ul>
<h2>API (tRPC over HTTP, superjson)</h2><ul>
<li><a href="/api/product/trpc/categories">/api/product/trpc/categories</a> — categories with counts</li>
<li><a href="/api/product/trpc/list?input=%7B%22json%22%3A%7B%22limit%22%3A12%7D%7D">/api/product/trpc/list</a> — the first products</li>
<li><code>/api/auth/trpc/signup</code>, <code>/login</code>, <code>/logout</code>, <code>/me</code></li>
<li><code>/api/user/trpc/me</code>, <code>/addresses.list</code>, …</li></ul>
<p>Typed client: <code>createFastrClient</code> from <code>routers/client.ts</code>; see the README.</p>
</body></html>`;

/** The home page of the embedded shop. */
export function mountPages(app: Hono<HostEnv>) {
  app.get("/", (c) => c.html(home));
}
