/**
 * `/dev/api`: the procedure reference (docs/api/reference.json, generated from the routers by
 * `bun run docs:api`) as a page, with a form to try each query against this shop. Mounted only on a
 * shop bound to loopback, and answers only to a loopback Host.
 */
import { join } from "node:path";
import type { Hono } from "hono";
import { html } from "hono/html";
import type { HostEnv } from "../../platform/http/host.ts";
import type { ApiProcedure, ApiReference } from "../../scripts/api-reference/build.ts";
import { loopbackHostOnly } from "./loopback-host.ts";

export const API_REFERENCE_JSON = join(import.meta.dir, "../../docs/api/reference.json");

const STYLE = `body{font:15px/1.5 system-ui,sans-serif;max-width:64rem;margin:2rem auto;padding:0 1rem;color:#1d2430}
h1{margin:0 0 .25rem}p.lead{margin:0 0 1rem;color:#5b6472}h2{margin:2rem 0 .5rem;text-transform:capitalize}
section{border:1px solid #e3e6eb;border-radius:8px;margin:0 0 .8rem;padding:.6rem .9rem}
h3{margin:0;font:600 15px ui-monospace,monospace}.tag{font-size:12px;padding:.05rem .45rem;border-radius:99px;background:#eef0f3;margin-left:.4rem}
.query{background:#e7f6ec;color:#17623a}.mutation{background:#fff4e5;color:#8a5300}.staff,.authed{background:#e8eefc;color:#1f3f8a}
code,pre,textarea{font:13px ui-monospace,monospace}pre{background:#f6f7f9;padding:.6rem;border-radius:6px;overflow:auto;max-height:24rem}
details{margin:.3rem 0}textarea{width:100%;min-height:5rem;box-sizing:border-box}label{display:block;margin:.4rem 0}
ul.errors{margin:.2rem 0;padding-left:1.2rem}.note{color:#5b6472;font-size:13px}.token{width:28rem}button{margin:.3rem 0}`;

function procedure(p: ApiProcedure) {
  return html`<section id="${p.path}">
<h3>${p.path}<span class="tag ${p.kind}">${p.kind}</span><span class="tag ${p.auth}">${p.auth}</span></h3>
<p><code>${p.http.method} ${p.http.url}</code></p>
<details><summary>input${p.inputText ? "" : ": none"}</summary>${p.inputText ? html`<pre>${p.inputText}</pre>` : ""}${p.inputRules.map((r) => html`<p>${r}</p>`)}</details>
<details><summary>output</summary><pre>${p.outputText}</pre></details>
${p.errors.length ? html`<ul class="errors">${p.errors.map((e) => html`<li><code>${e.code}</code> ${e.when}</li>`)}</ul>` : ""}
${
  p.kind === "query"
    ? html`<form class="try" data-url="${p.http.url}" data-has-input="${p.input ? "yes" : "no"}">
${p.input ? html`<textarea name="input" aria-label="input for ${p.path}">${JSON.stringify(p.inputExample, null, 2)}</textarea>` : ""}
<button type="submit">Run ${p.path}</button><pre class="result" hidden></pre></form>`
    : html`<p class="note">Mutations are not run from this page: call them with the typed client, or POST <code>{"json": input}</code> to the URL above.</p>`
}
</section>`;
}

function apiPage(reference: ApiReference) {
  const services = [...new Set(reference.procedures.map((p) => p.service))];
  return html`<!doctype html>
<html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1">
<title>API — fastr (dev)</title><style>${STYLE}</style></head>
<body><h1>API reference</h1>
<p class="lead">Every procedure this shop serves, generated from its routers (<code>bun run docs:api</code>;
the same as <code>docs/api/reference.md</code>). Queries can be tried here; they run against this shop.
Procedures marked <em>authed</em> or <em>staff</em> need a session: sign in elsewhere in this browser, or paste a token.</p>
<label>Bearer token (optional) <input class="token" id="token" autocomplete="off" placeholder="from auth.login or auth.signup"></label>
${services.map(
  (service) =>
    html`<h2>${service}</h2>${reference.procedures.filter((p) => p.service === service).map(procedure)}`,
)}
<script src="/dev/api/try.js"></script>
</body></html>`;
}

/** Sends a query as the typed client would (`?input={"json": …}`) and shows the raw answer. */
const TRY_SCRIPT = `for (const form of document.querySelectorAll("form.try")) {
  form.addEventListener("submit", async (event) => {
    event.preventDefault();
    const out = form.querySelector(".result");
    out.hidden = false;
    let url = form.dataset.url;
    if (form.dataset.hasInput === "yes") {
      let input;
      try {
        input = JSON.parse(form.querySelector("textarea").value || "null");
      } catch (error) {
        out.textContent = "the input is not JSON: " + error.message;
        return;
      }
      url += "?input=" + encodeURIComponent(JSON.stringify({ json: input }));
    }
    const token = document.getElementById("token").value.trim();
    out.textContent = "GET " + url + " …";
    const response = await fetch(url, { headers: token ? { authorization: "Bearer " + token } : {} });
    const text = await response.text();
    let body = text;
    try { body = JSON.stringify(JSON.parse(text), null, 2); } catch {}
    out.textContent = "HTTP " + response.status + "\\n" + body;
  });
}
`;

/**
 * Mounts `/dev/api` and its script. The reference is read when first asked for, so a regenerated
 * docs/api/reference.json shows after a restart.
 * @example if (LOOPBACK_BINDS.includes(config.HOST)) mountApiReference(app);
 */
export function mountApiReference(app: Hono<HostEnv>, file = API_REFERENCE_JSON) {
  let page: Promise<string> | undefined;
  app.use("/dev/api", loopbackHostOnly());
  app.use("/dev/api/*", loopbackHostOnly());
  app.get("/dev/api", async (c) => {
    const reference = Bun.file(file);
    if (!(await reference.exists())) return c.text(`no API reference at ${file}: run bun run docs:api`, 404);
    page ??= reference.json().then(async (json: ApiReference) => String(await apiPage(json)));
    return c.html(await page);
  });
  app.get("/dev/api/try.js", (c) =>
    c.body(TRY_SCRIPT, 200, { "Content-Type": "text/javascript; charset=utf-8" }),
  );
}
