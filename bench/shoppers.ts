/**
 * The stateful scenarios' load generator, run as its own process on the load core:
 * `bun bench/shoppers.ts <options.json>` prints one `BENCH {…}` line. Each virtual shopper has its
 * own session and cart and loops until the deadline; each kind of call is timed on its own.
 *   cart-add        addItem on the shopper's cart (cleared, untimed, before a line nears its limit)
 *   cart-add-guest  addItem without a session: a new guest cart every time
 *   cart-read       cart.get of a cart holding two lines
 *   checkout        addItem, then order.checkout (paid by the test card)
 *   buyers          checkout's loop, for running beside another scenario
 *   mixed           per cycle 10 catalog reads : 3 cart calls : 1 checkout, in a fixed interleaving
 */
import type { Shopper, Stock } from "./fixture.ts";

export type ShoppersOptions = {
  base: string;
  scenario: "cart-add" | "cart-add-guest" | "cart-read" | "checkout" | "buyers" | "mixed";
  shoppers: Shopper[];
  stock: Stock;
  /** Catalog paths the mixed shopper browses (cached reads). */
  browse: string[];
  seconds: number;
  warmupSeconds: number;
};

export type KindStats = { calls: number; perSecond: number; p50Ms: number; p99Ms: number; errors: number };
export type ShoppersResult = {
  seconds: number;
  kinds: Record<string, KindStats>;
  /** Catalog reads answered from the response cache (x-cache: hit), of all catalog reads. */
  catalogHits?: number;
  catalogReads?: number;
  firstErrors: string[];
};

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

async function run(o: ShoppersOptions): Promise<ShoppersResult> {
  const latencies: Record<string, number[]> = {};
  const errors: Record<string, number> = {};
  const firstErrors: string[] = [];
  let catalogHits = 0;
  let catalogReads = 0;
  let measuring = false;

  /** One timed call; an HTTP error or a tRPC error body counts as an error of its kind. */
  const timed = async (kind: string, url: string, init: RequestInit, onResponse?: (r: Response) => void) => {
    const t0 = performance.now();
    let failure: string | null = null;
    type Body = { result?: { data?: { json?: unknown } } } | null;
    let body: Body = null;
    try {
      const response = await fetch(url, init);
      onResponse?.(response);
      body = (await response.json()) as Body;
      if (!response.ok || !body?.result)
        failure = `${kind}: ${response.status} ${JSON.stringify(body).slice(0, 300)}`;
    } catch (error) {
      failure = `${kind}: ${(error as Error).message}`;
    }
    if (!measuring) return body?.result?.data?.json;
    if (failure) {
      errors[kind] = (errors[kind] ?? 0) + 1;
      if (firstErrors.length < 5) firstErrors.push(failure);
    } else {
      latencies[kind] ??= [];
      latencies[kind].push(performance.now() - t0);
    }
    return body?.result?.data?.json;
  };
  const auth = (token: string | null): Record<string, string> =>
    token ? { authorization: `Bearer ${token}` } : {};
  const post = (token: string | null, input: unknown): RequestInit => ({
    method: "POST",
    headers: { "content-type": "application/json", ...auth(token) },
    body: JSON.stringify({ json: input }),
  });
  const get = (token: string | null): RequestInit => ({ headers: auth(token) });
  const variants = o.stock.products.map((p) => p.variantId);
  const api = (path: string) => `${o.base}/api/${path}`;

  const addItem = (s: Shopper | null, variantId: string) =>
    timed("cart.addItem", api("cart/trpc/addItem"), post(s?.token ?? null, { variantId, quantity: 1 }));
  const clearCart = (s: Shopper) =>
    fetch(api("cart/trpc/clear"), post(s.token, null)).then((r) => r.arrayBuffer());
  const checkout = (s: Shopper) =>
    timed(
      "order.checkout",
      api("order/trpc/checkout"),
      post(s.token, {
        idempotencyKey: crypto.randomUUID(),
        addressId: s.addressId,
        paymentMethodId: "pm_card_visa",
      }),
    );
  const browse = (s: Shopper, n: number) =>
    timed("catalog read", o.base + o.browse[n % o.browse.length]!, get(s.token), (r) => {
      if (!measuring) return;
      catalogReads++;
      if (r.headers.get("x-cache") === "hit") catalogHits++;
    });

  // Every cart starts empty (earlier scenarios left lines in it); cart-read's holds two lines.
  await Promise.all(o.shoppers.map((s) => clearCart(s)));
  if (o.scenario === "cart-read")
    await Promise.all(
      o.shoppers.map(async (s) => {
        await addItem(s, variants[0]!);
        await addItem(s, variants[1]!);
      }),
    );

  const loops: Record<
    ShoppersOptions["scenario"],
    (s: Shopper, i: number, until: () => boolean) => Promise<void>
  > = {
    async "cart-add"(s, i, until) {
      for (let n = 0; until(); n++) {
        // A line holds at most 999: start over well before that (untimed).
        if (n > 0 && n % (variants.length * 400) === 0) await clearCart(s);
        await addItem(s, variants[(i + n) % variants.length]!);
      }
    },
    async "cart-add-guest"(_s, i, until) {
      for (let n = 0; until(); n++) await addItem(null, variants[(i + n) % variants.length]!);
    },
    async "cart-read"(s, _i, until) {
      while (until()) await timed("cart.get", api("cart/trpc/get"), get(s.token));
    },
    async checkout(s, i, until) {
      for (let n = 0; until(); n++) {
        await addItem(s, variants[(i + n) % variants.length]!);
        await checkout(s);
      }
    },
    buyers: (s, i, until) => loops.checkout(s, i, until),
    async mixed(s, i, until) {
      // b = browse, a = add to cart, g = read the cart, c = check out: 10 : 3 : 1
      const cycle = "bbbabbbgbbabbc";
      for (let n = 0; until(); n++) {
        const step = cycle[n % cycle.length];
        if (step === "b") await browse(s, i + n);
        else if (step === "a") await addItem(s, variants[(i + n) % variants.length]!);
        else if (step === "g") await timed("cart.get", api("cart/trpc/get"), get(s.token));
        else await checkout(s);
      }
    },
  };

  const phase = async (seconds: number) => {
    const deadline = performance.now() + seconds * 1000;
    const until = () => performance.now() < deadline;
    const started = performance.now();
    await Promise.all(o.shoppers.map((s, i) => loops[o.scenario](s, i, until)));
    return (performance.now() - started) / 1000;
  };
  if (o.warmupSeconds > 0) await phase(o.warmupSeconds);
  measuring = true;
  const seconds = await phase(o.seconds);

  const kinds: Record<string, KindStats> = {};
  for (const kind of new Set([...Object.keys(latencies), ...Object.keys(errors)])) {
    const sorted = (latencies[kind] ?? []).sort((a, b) => a - b);
    kinds[kind] = {
      calls: sorted.length,
      perSecond: sorted.length / seconds,
      p50Ms: percentile(sorted, 50),
      p99Ms: percentile(sorted, 99),
      errors: errors[kind] ?? 0,
    };
  }
  return {
    seconds,
    kinds,
    ...(o.scenario === "mixed" && { catalogHits, catalogReads }),
    firstErrors,
  };
}

if (import.meta.main) {
  const options = (await Bun.file(process.argv[2]!).json()) as ShoppersOptions;
  console.log(`BENCH ${JSON.stringify(await run(options))}`);
}
