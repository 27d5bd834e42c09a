/**
 * The distributed shape, for real: every service as two processes behind NGINX, on Postgres primary +
 * streaming replica (statements kept prepared, ADR 181), Redis for caches, limits and the event streams. One cluster for
 * the whole file; the observability suite (observability.suite.ts) runs on it first, the scenarios
 * that break parts of it run after the others and put them back, and the last one stops it and starts
 * a second cluster on its data directory (a second `bun run cluster`, on Kafka where a Kafka peer can
 * run), on which the Kafka suite (kafka.suite.ts) runs last (ADR 172).
 */
import { afterAll, beforeAll, describe, expect, it } from "bun:test";
import { mkdtempSync, readFileSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import Redis from "ioredis";
import { signRequest } from "../../platform/http/signature.ts";
import { newId } from "../../platform/ids.ts";
import { startSmtpSink } from "../../services/notification/testing.ts";
import { query } from "../../shapes/cluster/postgres.ts";
import { describeWith, waitFor } from "../support/binaries.ts";
import { address } from "../support/buyers.ts";
import { stockedProduct } from "../support/catalog.ts";
import { clusterBinaries, startTestCluster, type TestCluster } from "../support/cluster.ts";
import { failure } from "../support/failure.ts";
import { holdEmailWrites } from "../support/held-event.ts";
import { kafkaRequirements } from "../support/kafka.ts";
import { startOtlpReceiver } from "../support/otlp-receiver.ts";
import { monitorRedis } from "../support/redis.ts";
import { kafkaRunsHere, kafkaSuite, type OnKafka } from "./kafka.suite.ts";
import { type Observed, observabilitySuite, prometheusInstalled, tracedBy } from "./observability.suite.ts";

describeWith(clusterBinaries, "the cluster", () => {
  // The file's own data directory: the last test starts a second cluster on it.
  const dir = mkdtempSync(join(tmpdir(), "fastr-cluster-"));
  let shop: TestCluster;
  /** The cluster the restart test starts on `dir` after stopping `shop`; the Kafka suite runs on it. */
  let again: TestCluster | undefined;
  const onKafka = {} as OnKafka;
  let smtp: Awaited<ReturnType<typeof startSmtpSink>>;
  let staff: Awaited<ReturnType<TestCluster["staff"]>>;
  /** What the observability suite looks at: this cluster, and the receiver of its spans. */
  const observed = {} as Observed;
  beforeAll(async () => {
    smtp = await startSmtpSink();
    observed.otlp = startOtlpReceiver();
    shop = await startTestCluster(
      {
        SMTP_URL: smtp.url,
        ORDER_SAGA_LEASE_SECONDS: "3",
        ORDER_RECOVERY_EVERY_SECONDS: "1",
        // A dead consumer's streams move to the other instance after 3 s rather than 15.
        REDIS_STREAMS_VISIBILITY_MS: "3000",
        ...tracedBy(observed.otlp),
      },
      { dir, prometheus: prometheusInstalled },
    );
    observed.shop = shop;
    staff = await shop.staff();
  }, 180_000);
  afterAll(async () => {
    await again?.stop();
    await shop?.stop();
    await smtp?.close();
    observed.otlp?.close();
    rmSync(dir, { recursive: true, force: true });
  }, 60_000);

  // First, while every part of the cluster is up and no scenario has dead-lettered an event.
  describe("observability", () => observabilitySuite(observed));

  /** A product with one variant per entry of `stocks`, made by staff through NGINX. */
  const stocked = async (stocks: number[]) => (await stockedProduct(shop, stocks)).product;
  const checkoutOf = (key: string) => ({
    idempotencyKey: key,
    shippingAddress: address,
    paymentMethodId: "pm_card_visa",
  });
  /** Order confirmations that reached the buyer (the welcome e-mail mentions "confirmed" too). */
  const confirmations = (email: string) =>
    smtp.subjectsTo(email).filter((s) => s.startsWith("Your order is confirmed")).length;
  const logOf = (name: string) => readFileSync(join(shop.cluster.dir, "logs", `${name}.log`), "utf8");

  it("sells across processes through NGINX: sign up, browse, cart, checkout, and the e-mail arrives over SMTP", async () => {
    const product = await stocked([5]);
    const buyer = await shop.customer("Cee Buyer");

    const { items } = await buyer.client.product.list.query({ category: product.category.slug });
    expect(items.map((p) => p.id)).toEqual([product.id]);
    await buyer.client.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 2 });
    const order = await buyer.client.order.checkout.mutate(checkoutOf("first-purchase"));

    expect(order.status).toBe("paid");
    expect((await buyer.client.cart.get.query()).lines).toEqual([]);
    expect((await buyer.client.product.get.query({ id: product.id })).variants[0]!.stock).toBe(3);
    // order.paid crossed from the order processes to the notification processes over Redis Streams.
    await waitFor("the confirmation e-mail", async () => confirmations(buyer.email) > 0, 20_000);
  }, 60_000);

  it("prices a signed-in customer's cart from the caches auth and product share: cart calls ask neither, and a sign-out stops them at once on both cart processes", async () => {
    const product = await stocked([10]);
    const buyer = await shop.customer("Dee Buyer");
    const variantId = product.variants[0]!.id;
    // The first calls fill the caches: the session, the variant's facts, then its units left.
    for (let i = 0; i < 2; i++) await buyer.client.cart.addItem.mutate({ variantId, quantity: 1 });
    const calls = (service: string, method: string) =>
      [1, 2].reduce(
        (n, i) =>
          n + logOf(`${service}-${i}`).split(`"path":"/internal/${service}/trpc/${method}"`).length - 1,
        0,
      );
    const counted = async () => {
      await Bun.sleep(30); // a busy process writes its log lines every few ms (platform/log-sink.ts)
      return [calls("auth", "validateSession"), calls("product", "cachedVariants")];
    };
    const before = await counted();
    for (let i = 0; i < 4; i++) await buyer.client.cart.addItem.mutate({ variantId, quantity: 1 });
    for (let i = 0; i < 4; i++) expect((await buyer.client.cart.get.query()).itemCount).toBe(6);
    expect(await counted()).toEqual(before);

    await buyer.client.auth.logout.mutate();
    // NGINX takes turns between the two cart processes: both see the sign-out.
    for (let i = 0; i < 4; i++) {
      const cart = await buyer.client.cart.get.query();
      expect({ lines: cart.lines.length, token: cart.token }).toEqual({ lines: 0, token: null });
    }
    expect((await failure(buyer.client.order.checkout.mutate(checkoutOf(newId())))).code).toBe(
      "UNAUTHORIZED",
    );
  });

  it("keeps the catalog cached on both product processes through a sale, and both show the last unit sold at once", async () => {
    const product = await stocked([2]);
    const [one, two] = ["product-1", "product-2"].map(
      (n) => shop.cluster.instances.find((i) => i.name === n)!,
    );
    const paths = [
      `/api/product/trpc/list?input=${encodeURIComponent(JSON.stringify({ json: { category: product.category.slug } }))}`,
      `/api/product/trpc/get?input=${encodeURIComponent(JSON.stringify({ json: { id: product.id } }))}`,
    ];
    /** Each path read straight from each product process: whether it was a hit, and inStock / units left. */
    const readBoth = () =>
      Promise.all(
        [one!, two!].flatMap((instance) =>
          paths.map(async (path) => {
            const res = await fetch(`${instance.url}${path}`);
            const { result } = (await res.json()) as {
              result: {
                data: {
                  json: { items?: { inStock: boolean }[]; inStock?: boolean; variants?: { stock: number }[] };
                };
              };
            };
            const data = result.data.json;
            return {
              hit: res.headers.get("x-cache") === "hit",
              shows: data.items ? data.items[0]!.inStock : [data.inStock, data.variants![0]!.stock],
            };
          }),
        ),
      );
    await readBoth();
    const buy = async (key: string) => {
      const buyer = await shop.customer(`Last Unit ${key}`);
      await buyer.client.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 1 });
      expect((await buyer.client.order.checkout.mutate(checkoutOf(key))).status).toBe("paid");
    };

    await buy("one-of-two");
    expect(await readBoth()).toEqual([
      { hit: true, shows: true },
      { hit: true, shows: [true, 1] },
      { hit: true, shows: true },
      { hit: true, shows: [true, 1] },
    ]);

    await buy("last-of-two");
    const after = await readBoth();
    expect(after.map((r) => r.shows)).toEqual([false, [false, 0], false, [false, 0]]);
  }, 60_000);

  it("shows a staff price change on both product processes' next read, reading the catalog generation from memory", async () => {
    const product = await stocked([3]);
    const variant = product.variants[0]!;
    const processes = ["product-1", "product-2"].map(
      (n) => shop.cluster.instances.find((i) => i.name === n)!,
    );
    const page = `/api/product/trpc/get?input=${encodeURIComponent(JSON.stringify({ json: { id: product.id } }))}`;
    const listing = `/api/product/trpc/list?input=${encodeURIComponent(JSON.stringify({ json: { category: product.category.slug } }))}`;
    /** The page read straight from one product process: the variant's price, and whether it was a hit. */
    const read = async (url: string, headers: Record<string, string> = {}) => {
      const res = await fetch(`${url}${page}`, { headers });
      const body = (await res.json()) as {
        result: { data: { json: { variants: { price: { amount: number } }[] } } };
      };
      return {
        price: body.result.data.json.variants[0]!.price.amount,
        hit: res.headers.get("x-cache") === "hit",
      };
    };
    for (const { url } of processes)
      for (const path of [page, page, listing, listing]) await fetch(`${url}${path}`);

    // Cached reads take the generation, the stock version, the stored answer and the units left from
    // memory: no Redis read of any of them.
    const marker = new Redis(shop.cluster.redisUrl);
    const commands = await monitorRedis(shop.cluster.redisUrl, async () => {
      for (const { url } of processes) {
        for (let i = 0; i < 10; i++) {
          expect((await read(url)).hit).toBe(true);
          expect((await fetch(`${url}${listing}`)).headers.get("x-cache")).toBe("hit");
        }
      }
      await marker.get("monitor-marker");
    });
    await marker.quit();
    // The monitor was recording all along: it saw the marker sent after the reads.
    expect(commands).toContain('"get" "monitor-marker"');
    const catalogReads = commands.filter((line) => /^"get" ".*(http:|product:)/i.test(line));
    expect(catalogReads).toEqual([]);

    const changed = await fetch(`${shop.url}/api/product/trpc/update`, {
      method: "POST",
      headers: { authorization: `Bearer ${staff.token}`, "content-type": "application/json" },
      body: JSON.stringify({
        json: { id: product.id, variants: [{ id: variant.id, price: { amount: 4343, currency: "EUR" } }] },
      }),
    });
    expect(changed.status).toBe(200);
    const lastWrite = changed.headers.get("x-fastr-lsn")!;
    expect(lastWrite).toBeTruthy();

    // The staff member's next read carries the write's position: it sees the change by construction.
    for (const { url } of processes) expect((await read(url, { "x-fastr-lsn": lastWrite })).price).toBe(4343);
    // Anyone else's, within the pub/sub delivery (long over by the time the answer reached the staff member).
    for (const { url } of processes) expect((await read(url)).price).toBe(4343);
    expect((await staff.client.product.get.query({ id: product.id })).variants[0]!.price.amount).toBe(4343);
    for (const { url } of processes) expect(await read(url)).toEqual({ price: 4343, hit: true });
  }, 60_000);

  it("serves the storefront's build at / and on client routes, the assets cached for good", async () => {
    for (const path of ["/", "/products/anything", "/account"]) {
      const page = await shop.fetch(path);
      expect(page.status).toBe(200);
      expect(page.headers.get("cache-control")).toBe("no-cache");
      expect(await page.text()).toContain('<html lang="en"');
    }
    const html = await (await shop.fetch("/")).text();
    const script = /src="(\/assets\/[^"]+\.js)"/.exec(html)?.[1];
    const asset = await shop.fetch(script!);
    expect(asset.status).toBe(200);
    expect(asset.headers.get("cache-control")).toContain("immutable");
  });

  it("answers with one X-Request-Id, the one the error body names, also when NGINX refuses a body itself", async () => {
    const res = await shop.fetch("/api/product/trpc/nope", { headers: { "x-request-id": "trace-nginx-1" } });
    expect(res.headers.get("x-request-id")).toBe("trace-nginx-1");
    expect((await res.json()).error.json.data.requestId).toBe("trace-nginx-1");
    const made = await shop.fetch("/api/product/trpc/categories");
    expect(made.headers.get("x-request-id")).toMatch(/^[0-9a-f]{32}$/);

    const huge = await shop.fetch("/api/auth/trpc/signup", {
      method: "POST",
      headers: { "content-type": "application/json", "x-request-id": "trace-nginx-2" },
      body: JSON.stringify({ json: { name: "x".repeat(3 * 1024 * 1024) } }),
    });
    expect(huge.status).toBe(413);
    expect(huge.headers.get("x-request-id")).toBe("trace-nginx-2");
    expect((await huge.json()).error.json.data).toEqual({
      code: "PAYLOAD_TOO_LARGE",
      httpStatus: 413,
      requestId: "trace-nginx-2",
    });
  });

  it("refuses internal procedures through NGINX, and directly without a valid credential", async () => {
    const viaNginx = await shop.fetch("/internal/product/trpc/reservationState", {
      method: "POST",
      body: "{}",
    });
    expect(viaNginx.status).toBe(404);

    const instance = shop.cluster.instances.find((i) => i.service === "product")!;
    const path = "/internal/product/trpc/reservationState";
    const body = JSON.stringify({ json: ["01a21707-fc1f-7670-a446-588a50a074b4"] });
    const post = (headers: Record<string, string>) =>
      fetch(`${instance.url}${path}`, {
        method: "POST",
        body,
        headers: { "content-type": "application/json", ...headers },
      });
    expect((await post({})).status).toBe(401);
    expect((await post(signRequest("not-the-cluster-secret-at-all-0000", "POST", path, body))).status).toBe(
      401,
    );
    const signed = signRequest(shop.cluster.secret, "POST", path, body);
    expect((await post(signed)).status).toBe(200);
    expect((await post(signed)).status).toBe(401); // a replay
  });

  it("lets 50 buyers race for 10 units through NGINX: exactly 10 paid, stock 0, both order processes selling", async () => {
    const product = await stocked([10]);
    const variantId = product.variants[0]!.id;
    const buyers = await Promise.all(Array.from({ length: 50 }, (_, i) => shop.customer(`Racer ${i}`)));
    await Promise.all(buyers.map((b) => b.client.cart.addItem.mutate({ variantId, quantity: 1 })));
    const before = ["order-1", "order-2"].map((n) => logOf(n).split("/api/order/trpc/checkout").length);

    const outcomes = await Promise.allSettled(
      buyers.map((b, i) => b.client.order.checkout.mutate(checkoutOf(`race-buyer-${i}`))),
    );

    const paid = outcomes.filter((o) => o.status === "fulfilled" && o.value.status === "paid");
    const refused = outcomes.filter((o) => o.status === "rejected");
    expect(paid).toHaveLength(10);
    expect(refused).toHaveLength(40);
    for (const r of refused) expect((r as PromiseRejectedResult).reason.data?.code).toBe("CONFLICT");
    expect((await shop.client().product.get.query({ id: product.id })).variants[0]!.stock).toBe(0);
    const [held] = await query<{ n: number }>(
      shop.cluster.databaseUrl,
      "select count(*)::int as n from product.reservations where variant_id = $1 and status = 'held'",
      [variantId],
    );
    expect(held!.n).toBe(0);
    const after = ["order-1", "order-2"].map((n) => logOf(n).split("/api/order/trpc/checkout").length);
    expect(after[0]! - before[0]!).toBeGreaterThan(0);
    expect(after[1]! - before[1]!).toBeGreaterThan(0);
  }, 120_000);

  it("shows a customer their own writes at once while the replica replays a second and a half late", async () => {
    const buyer = await shop.customer("Lag Tester");
    await shop.cluster.postgres.delayReplica(1_500);
    try {
      const added = await buyer.client.user.addresses.add.mutate({ ...address, label: "Lagging" });
      expect((await buyer.client.user.addresses.list.query()).map((a) => a.id)).toContain(added.id);

      const product = await stocked([3]);
      const price = { amount: 4242, currency: "EUR" as const };
      await staff.client.product.update.mutate({
        id: product.id,
        variants: [{ id: product.variants[0]!.id, price }],
      });
      expect((await staff.client.product.get.query({ id: product.id })).variants[0]!.price).toEqual(price);

      await buyer.client.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 1 });
      const order = await buyer.client.order.checkout.mutate({
        idempotencyKey: "lagging-replica",
        addressId: added.id,
        paymentMethodId: "pm_card_visa",
      });
      expect((await buyer.client.order.list.query({})).items.map((o) => o.id)).toContain(order.id);
    } finally {
      await shop.cluster.postgres.delayReplica(0);
    }
  }, 60_000);

  it("keeps reading while the replica is down, and reads from it again once it is back", async () => {
    const buyer = await shop.customer("Replica Watcher");
    const ordersScannedOnReplica = async () => {
      const replica = shop.cluster.postgres.replica!;
      const [row] = await query<{ n: string }>(
        replica.url(),
        "select coalesce(sum(seq_scan + coalesce(idx_scan, 0)), 0)::text as n from pg_stat_user_tables where schemaname = 'order'",
      );
      return Number(row!.n);
    };

    await shop.cluster.postgres.stopReplica();
    for (let i = 0; i < 10; i++) expect((await buyer.client.order.list.query({})).items).toEqual([]);

    await shop.cluster.postgres.startReplica();
    const before = await ordersScannedOnReplica();
    await waitFor(
      "order listings to be read on the replica again",
      async () => {
        await buyer.client.order.list.query({});
        return (await ordersScannedOnReplica()) > before;
      },
      20_000,
    );
  }, 90_000);

  it("keeps browsing, signing in and selling while Redis is down; the cache serves hits again once it is back", async () => {
    const product = await stocked([4]);
    const buyer = await shop.customer("Redis Outage");
    const listing = `/api/product/trpc/list?input=${encodeURIComponent(JSON.stringify({ json: { category: product.category.slug } }))}`;

    await shop.cluster.stopRedis();
    try {
      expect((await shop.fetch(listing)).status).toBe(200);
      const again = await shop.client().auth.login.mutate({ email: buyer.email, password: buyer.password });
      const signedIn = shop.client(again.token);
      await signedIn.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 1 });
      const order = await signedIn.order.checkout.mutate(checkoutOf("while-redis-is-down"));
      expect(order.status).toBe("paid");
    } finally {
      await shop.cluster.startRedis();
    }
    await waitFor(
      "a cache hit",
      async () => (await shop.fetch(listing)).headers.get("x-cache") === "hit",
      20_000,
    );
    // The confirmation waited in the outbox and goes out now that the streams are back.
    await waitFor(
      "the e-mail of the order placed during the outage",
      async () => confirmations(buyer.email) > 0,
      30_000,
    );
  }, 90_000);

  it("answers every read while one product and one cart process are killed mid-stream", async () => {
    const product = await stocked([50]);
    const guest = shop.client();
    await guest.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 1 }).catch(() => {});
    const victims = ["product-1", "cart-1"].map((n) => shop.cluster.instances.find((i) => i.name === n)!);
    const failures: string[] = [];
    let reads = 0;
    const reader = (async () => {
      for (let i = 0; i < 200; i++) {
        const res = await shop.fetch(
          `/api/product/trpc/get?input=${encodeURIComponent(JSON.stringify({ json: { id: product.id } }))}`,
          { headers: { "x-request-id": `kill-${i}` } },
        );
        reads++;
        if (res.status !== 200) failures.push(`product.get ${res.status}`);
        const cart = await shop.fetch("/api/cart/trpc/get");
        if (cart.status !== 200) failures.push(`cart.get ${cart.status}`);
      }
    })();
    await waitFor("reads to be flowing", async () => reads > 20);
    for (const victim of victims) process.kill(victim.pid, "SIGKILL");
    await reader;

    expect(failures).toEqual([]);
    for (const victim of victims) await shop.cluster.restartInstance(victim);
  }, 120_000);

  it("dead-letters a poison event on the order stream while the e-mails of the orders behind it go out", async () => {
    const redis = new Redis(shop.cluster.redisUrl);
    try {
      const poison = {
        id: newId(),
        type: "order.paid",
        version: 1,
        occurredAt: new Date().toISOString(),
        aggregateId: newId(),
        payload: { orderId: "not an order at all" },
      };
      await redis.xadd("fastr.order", "*", "event", JSON.stringify(poison));
      const product = await stocked([2]);
      const buyer = await shop.customer("Behind The Poison");
      await buyer.client.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 1 });
      await buyer.client.order.checkout.mutate(checkoutOf("behind-the-poison"));

      await waitFor(
        "the e-mail of the order behind the poison",
        async () => confirmations(buyer.email) > 0,
        30_000,
      );
      const letters = (await redis.xrange("fastr.dead-letter", "-", "+")).map(([, fields]) =>
        Object.fromEntries(fields.flatMap((_, i) => (i % 2 ? [] : [[fields[i], fields[i + 1]]]))),
      );
      const letter = letters.find((l) => l.event?.includes(poison.id));
      expect(letter).toMatchObject({ group: "notification", stream: "fastr.order" });
      const [recorded] = await query<{ n: number }>(
        shop.cluster.databaseUrl,
        "select count(*)::int as n from notification.dead_letters where event_id = $1",
        [poison.id],
      );
      expect(recorded!.n).toBe(1);
    } finally {
      redis.disconnect();
    }
  }, 60_000);

  it("sends the e-mail once when the notification process handling the order's event is SIGKILLed mid-event", async () => {
    const product = await stocked([2]);
    const buyer = await shop.customer("Stream Survivor");
    await buyer.client.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 1 });
    await waitFor(
      "the welcome e-mail",
      async () => smtp.subjectsTo(buyer.email).some((s) => s.startsWith("Welcome to")),
      20_000,
    );
    const held = await holdEmailWrites(shop.cluster.databaseUrl);
    let victim: (typeof shop.cluster.instances)[number] | undefined;
    try {
      await buyer.client.order.checkout.mutate(checkoutOf("stream-killed-consumer"));
      victim = await held.killHandler(shop.cluster.instances);
      expect(victim.service).toBe("notification");

      // Its lease on the stream runs out; the other instance reclaims the unacknowledged entry.
      await waitFor(
        "the other notification process to send the confirmation",
        async () => confirmations(buyer.email) > 0,
        30_000,
      );
      const [emails] = await query<{ n: number }>(
        shop.cluster.databaseUrl,
        `select count(*)::int as n from notification.emails where "to" = $1 and kind = 'order.paid'`,
        [buyer.email],
      );
      expect(emails!.n).toBe(1);
      expect(confirmations(buyer.email)).toBe(1);
    } finally {
      await held.release();
      if (victim) await shop.cluster.restartInstance(victim);
    }
  }, 90_000);

  it("finishes a checkout whose order process died after charging, on the other order process, once", async () => {
    const product = await stocked([3]);
    const buyer = await shop.customer("Crash Victim");
    await buyer.client.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 1 });
    const doomed = shop.cluster.instances.find((i) => i.name === "order-1")!;
    const dying = await shop.cluster.restartInstance(doomed, { FASTR_KILL_AT: "after-charge" });

    // Straight to the doomed process (not through NGINX), which dies once the card is charged.
    const crashed = await fetch(`${dying.url}/api/order/trpc/checkout`, {
      method: "POST",
      headers: { "content-type": "application/json", authorization: `Bearer ${buyer.token}` },
      body: JSON.stringify({ json: checkoutOf("dies-after-charge") }),
    }).catch((error) => error);
    expect(crashed instanceof Response ? crashed.status : "connection lost").not.toBe(200);
    await dying.exited;

    let paid: { id: string; status: string } | undefined;
    await waitFor(
      "order-2 to finish the interrupted checkout after its lease ran out",
      async () => {
        paid = (await buyer.client.order.list.query({})).items[0];
        return paid?.status === "paid";
      },
      30_000,
    );
    const [charges] = await query<{ n: number }>(
      shop.cluster.databaseUrl,
      "select count(*)::int as n from payment.simulated_charges where idempotency_key = $1",
      [`charge:${paid!.id}`],
    );
    expect(charges!.n).toBe(1);
    expect((await shop.client().product.get.query({ id: product.id })).variants[0]!.stock).toBe(2);
    await shop.cluster.restartInstance(dying);
  }, 90_000);

  // Last but the Kafka suite: it stops the cluster every test above used, and starts the one the Kafka
  // suite runs on (its bus differs from the first's: the data the restart must keep is Postgres's and Redis's).
  it("started again on its data directory (fsync on, as `bun run cluster` runs), still knows the accounts, sessions, catalog, orders and sign-in throttles of the run before", async () => {
    const { product } = await stockedProduct(shop, [5]);
    const buyer = await shop.customer("Returning Buyer");
    await buyer.client.cart.addItem.mutate({ variantId: product.variants[0]!.id, quantity: 2 });
    const order = await buyer.client.order.checkout.mutate(checkoutOf("before-the-restart"));
    // Ten wrong passwords lock this (account, address) pair for 15 minutes; the counters live in Redis.
    const guessed = await shop.customer("Guessed At");
    for (let i = 0; i < 10; i++)
      await failure(shop.client().auth.login.mutate({ email: guessed.email, password: "not the password" }));
    await shop.stop();

    again = await startTestCluster(
      { SMTP_URL: smtp.url },
      {
        dir,
        durable: true,
        instancesPerService: 1,
        // The Kafka suite kills a notification process: another must be in its group to take over.
        ...(kafkaRunsHere && { bus: "kafka", instances: { notification: 2 } }),
      },
    );
    Object.assign(onKafka, { shop: again, smtp });
    const session = again.client(buyer.token);
    expect(await session.auth.me.query()).toMatchObject({ email: buyer.email });
    expect((await session.order.list.query({})).items.map((o) => [o.id, o.status])).toEqual([
      [order.id, "paid"],
    ]);
    expect((await again.client().product.get.query({ id: product.id })).variants[0]!.stock).toBe(3);
    const login = await again.client().auth.login.mutate({ email: buyer.email, password: buyer.password });
    expect(login.user.email).toBe(buyer.email);
    const throttled = failure(
      again.client().auth.login.mutate({ email: guessed.email, password: guessed.password }),
    );
    expect((await throttled).code).toBe("TOO_MANY_REQUESTS");
  }, 300_000);

  // On the second cluster, started by the test above.
  describeWith(kafkaRequirements(), "on Kafka", () => kafkaSuite(onKafka));
});
