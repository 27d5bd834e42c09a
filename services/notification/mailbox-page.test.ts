import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { event } from "../../platform/bus/outbox.ts";
import { systemClock } from "../../platform/clock.ts";
import { openPglite } from "../../platform/db/pglite.ts";
import type { Database } from "../../platform/db/port.ts";
import { createHost } from "../../platform/http/host.ts";
import { newId } from "../../platform/ids.ts";
import { silentLogger } from "../../platform/log.ts";
import { emptyDatabase } from "../../test/support/migrated-database.ts";
import { mountMailbox } from "./index.ts";
import { notificationModule } from "./module.ts";
import { customer, emailFor, registered, startNotification } from "./testing.ts";

let db: Database;
let app: ReturnType<typeof createHost>["app"];
beforeAll(async () => {
  db = await openPglite(undefined, { from: await emptyDatabase() });
  await db.migrate(notificationModule.migrations);
  app = createHost({
    routers: {},
    createContext: () => ({}),
    log: silentLogger,
    maxBodyBytes: 1024,
    trustProxy: false,
    ready: async () => {},
  }).app;
  mountMailbox(app, db);
});
afterAll(() => db.close());

const details = (page: string) => page.match(/<details>/g)?.length ?? 0;

describe("the dev mailbox", () => {
  it("refuses a Host header that names another site (DNS rebinding), and answers to localhost or an IP", async () => {
    for (const host of ["evil.example", "evil.example:3000", "localhost.evil.example", "127.0.0.1.nip.io"]) {
      const res = await app.request("/dev/mailbox", { headers: { host } });
      expect(res.status).toBe(403);
      expect(await res.text()).not.toContain("<details>");
      expect(
        (await app.request("/dev/mailbox/00000000-0000-4000-8000-000000000000", { headers: { host } }))
          .status,
      ).toBe(403);
    }
    for (const host of ["localhost", "localhost:3000", "127.0.0.1:8080", "[::1]:3000", "shop.localhost:3000"])
      expect((await app.request("/dev/mailbox", { headers: { host } })).status).toBe(200);
  });

  it("says so when there are no emails yet", async () => {
    const res = await app.request("/dev/mailbox");
    expect(res.status).toBe(200);
    expect(await res.text()).toContain("No emails yet");
  });

  it("lists the latest emails newest first, each with its HTML in a sandboxed frame, everything escaped", async () => {
    const shop = await startNotification(db);
    const hostile = customer();
    hostile.name = `<script>alert("x")</script>`;
    const welcome = registered(hostile);
    const ada = customer();
    const paid = event(
      "order.paid@1",
      newId(),
      {
        orderId: newId(),
        number: 7,
        userId: ada.userId,
        email: ada.email,
        name: "Ada",
        total: { amount: 4900, currency: "EUR" },
        lines: [{ title: "Kettle", quantity: 1, lineTotal: { amount: 4900, currency: "EUR" } }],
      },
      systemClock,
    );
    await shop.publish(welcome, paid);

    const res = await app.request("/dev/mailbox");
    expect(res.status).toBe(200);
    expect(res.headers.get("content-type")).toContain("text/html");
    expect(res.headers.get("cache-control")).toBe("no-store");
    expect(res.headers.get("content-security-policy")).toContain("default-src 'self'");
    const page = await res.text();

    expect(page).not.toContain("<script");
    expect(page).toContain("Welcome to fastr, &lt;script&gt;alert(&quot;x&quot;)&lt;/script&gt;!");
    expect(page.indexOf("Your order is confirmed")).toBeLessThan(page.indexOf("Welcome to fastr"));
    for (const text of [ada.email, "order.paid", "user.registered", "stored"]) expect(page).toContain(text);
    const frames = [...page.matchAll(/<iframe sandbox srcdoc="([^"]*)"/g)].map((m) => m[1]!);
    expect(frames).toHaveLength(2);
    // The frame's document is the email's HTML, escaped once more for the attribute.
    expect(frames[0]).toStartWith("&lt;!doctype html&gt;");
    expect(frames[1]).toContain("&amp;lt;script&amp;gt;");
    const row = await emailFor(db, paid.id);
    expect(page).toContain(`href="/dev/mailbox/${row!.id}"`);
    await shop.close();
  });

  it("shows at most the latest 50", async () => {
    const shop = await startNotification(db);
    await shop.publish(...Array.from({ length: 52 }, () => registered(customer())));
    expect(details(await (await app.request("/dev/mailbox")).text())).toBe(50);
    await shop.close();
  });

  it("renders one email's HTML on its own page, and 404s for anything else", async () => {
    const shop = await startNotification(db);
    const welcome = registered(customer());
    await shop.publish(welcome);
    const row = (await emailFor(db, welcome.id))!;

    const res = await app.request(`/dev/mailbox/${row.id}`);
    expect(res.status).toBe(200);
    const html = await res.text();
    expect(html).toStartWith("<!doctype html>");
    expect(html).toContain("Welcome to fastr, Ada Lovelace!");

    expect((await app.request(`/dev/mailbox/${newId()}`)).status).toBe(404);
    expect((await app.request("/dev/mailbox/not-an-id")).status).toBe(404);
    expect((await app.request("/dev/mailbox/------------------------------------")).status).toBe(404);
    await shop.close();
  });
});
