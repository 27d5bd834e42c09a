/**
 * Checkout throughput: `concurrency` signed-in buyers, each in a loop of "put one unit in the cart,
 * check out" against the shop over HTTP, for a bounded time. Only the checkout call is timed.
 */

type Json = Record<string, unknown>;

async function call(base: string, path: string, input: Json | undefined, token?: string): Promise<unknown> {
  const response = await fetch(`${base}/api/${path}`, {
    method: "POST",
    headers: { "content-type": "application/json", ...(token && { authorization: `Bearer ${token}` }) },
    body: JSON.stringify({ json: input ?? null }),
  });
  const body = (await response.json()) as { result?: { data: { json: unknown } }; error?: unknown };
  if (!body.result) throw new Error(`${path}: ${response.status} ${JSON.stringify(body.error)}`);
  return body.result.data.json;
}

const percentile = (sorted: number[], p: number) =>
  sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? 0;

/** One variant with stock for the whole run, made by staff through the public API. */
export async function checkoutFixture(base: string, staff: { email: string; password: string }) {
  const { token } = (await call(base, "auth/trpc/login", staff)) as { token: string };
  const slug = `bench-${Date.now().toString(36)}`;
  await call(base, "product/trpc/createCategory", { slug, name: "Bench" }, token);
  const product = (await call(
    base,
    "product/trpc/create",
    {
      title: "Bench Mug",
      category: slug,
      variants: [{ sku: slug.toUpperCase(), price: { amount: 1500, currency: "EUR" }, stock: 1_000_000 }],
    },
    token,
  )) as { variants: { id: string }[] };
  return { variantId: product.variants[0]!.id };
}

export async function measureCheckouts(
  base: string,
  variantId: string,
  concurrency: number,
  seconds: number,
) {
  const buyers = await Promise.all(
    Array.from({ length: concurrency }, async (_, i) => {
      const email = `buyer-${concurrency}-${i}-${Date.now().toString(36)}@example.test`;
      const { token } = (await call(base, "auth/trpc/signup", {
        email,
        password: "correct horse battery",
        name: "Buyer",
      })) as {
        token: string;
      };
      const address = (await call(
        base,
        "user/trpc/addresses.add",
        { name: "Buyer", line1: "Main St 1", city: "Berlin", postalCode: "10115", country: "DE" },
        token,
      )) as { id: string };
      return { token, addressId: address.id };
    }),
  );

  const latencies: number[] = [];
  let errors = 0;
  const deadline = performance.now() + seconds * 1000;
  const started = performance.now();
  await Promise.all(
    buyers.map(async (buyer) => {
      while (performance.now() < deadline) {
        try {
          await call(base, "cart/trpc/addItem", { variantId, quantity: 1 }, buyer.token);
          const t0 = performance.now();
          const order = (await call(
            base,
            "order/trpc/checkout",
            {
              idempotencyKey: crypto.randomUUID(),
              addressId: buyer.addressId,
              paymentMethodId: "pm_card_visa",
            },
            buyer.token,
          )) as { status: string };
          if (order.status !== "paid") throw new Error(`order ended ${order.status}`);
          latencies.push(performance.now() - t0);
        } catch {
          errors++;
        }
      }
    }),
  );
  const elapsed = (performance.now() - started) / 1000;
  latencies.sort((a, b) => a - b);
  return {
    concurrency,
    checkouts: latencies.length,
    perSecond: latencies.length / elapsed,
    p50Ms: percentile(latencies, 50),
    p99Ms: percentile(latencies, 99),
    errors,
  };
}
