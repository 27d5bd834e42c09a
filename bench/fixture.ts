/**
 * What the stateful scenarios need, made through the public API of the shop under test (embedded, or
 * the cluster through NGINX): products with stock for the whole run, and signed-in shoppers with an
 * address. Made before any timing starts.
 */

import { createFastrClient } from "../routers/client.ts";
import { seedCatalog } from "../services/product/seed/index.ts";

type Json = Record<string, unknown>;

/** One tRPC call over HTTP: a mutation (POST) or, with `query`, a GET. */
export async function call(
  base: string,
  path: string,
  input?: Json | null,
  token?: string,
  kind: "mutation" | "query" = "mutation",
): Promise<unknown> {
  const auth: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const url =
    kind === "query"
      ? `${base}/api/${path}${input ? `?input=${encodeURIComponent(JSON.stringify({ json: input }))}` : ""}`
      : `${base}/api/${path}`;
  const response = await fetch(url, {
    method: kind === "query" ? "GET" : "POST",
    headers: kind === "query" ? auth : { "content-type": "application/json", ...auth },
    ...(kind === "mutation" && { body: JSON.stringify({ json: input ?? null }) }),
  });
  const body = (await response.json()) as { result?: { data: { json: unknown } }; error?: unknown };
  if (!body.result) throw new Error(`${path}: ${response.status} ${JSON.stringify(body.error)}`);
  return body.result.data.json;
}

export const benchStaff = { email: "bench-staff@example.test", password: "bench staff password" };

/**
 * Makes the bench's staff account in a cluster's database, as an operator would (`bun run
 * staff:create`, from the fastr tree `cwd`).
 * @example createBenchStaff(root, cluster.databaseUrl);
 */
export function createBenchStaff(cwd: string, databaseUrl: string) {
  const staff = Bun.spawnSync(
    [
      process.execPath,
      "scripts/staff-create.ts",
      "--email",
      benchStaff.email,
      "--password",
      benchStaff.password,
    ],
    {
      cwd,
      env: { ...process.env, DATABASE_URL: databaseUrl, LOG_LEVEL: "warn" },
      stdout: "pipe",
      stderr: "pipe",
    },
  );
  if (staff.exitCode !== 0) throw new Error(`staff:create on the cluster failed: ${staff.stderr.toString()}`);
}

/**
 * The demo catalog `bun start` seeds, made through the shop's staff procedures (the cluster starts
 * empty): the same seed, so its catalog answers have the embedded shop's bytes. Returns how many
 * products it created (0 when the catalog had categories already).
 */
export async function seedThroughApi(base: string): Promise<number> {
  const { token } = (await call(base, "auth/trpc/login", benchStaff)) as { token: string };
  const { product } = createFastrClient({ baseUrl: base, headers: { authorization: `Bearer ${token}` } });
  return seedCatalog({
    categories: () => product.categories.query(),
    // Without a position a category goes last: on an empty catalog, the seed's own order.
    createCategory: ({ slug, name }) => product.createCategory.mutate({ slug, name }),
    create: (input) => product.create.mutate(input),
  });
}

export type Stock = { categorySlug: string; products: { id: string; slug: string; variantId: string }[] };

/** `count` products in their own category, each with one variant stocked for any run. */
export async function stockProducts(base: string, count = 8): Promise<Stock> {
  const { token } = (await call(base, "auth/trpc/login", benchStaff)) as { token: string };
  const run = Date.now().toString(36);
  const categorySlug = `bench-${run}`;
  await call(base, "product/trpc/createCategory", { slug: categorySlug, name: "Bench" }, token);
  const products = [];
  for (let i = 0; i < count; i++) {
    const sku = `BENCH-${run}-${i}`.toUpperCase();
    const product = (await call(
      base,
      "product/trpc/create",
      {
        title: `Bench Mug ${i + 1}`,
        description: "A mug the benchmark buys.",
        category: categorySlug,
        variants: [{ sku, price: { amount: 1500 + i * 100, currency: "EUR" }, stock: 1_000_000 }],
      },
      token,
    )) as { id: string; slug: string; variants: { id: string }[] };
    products.push({ id: product.id, slug: product.slug, variantId: product.variants[0]!.id });
  }
  return { categorySlug, products };
}

export type Shopper = { token: string; userId: string; addressId: string; email: string };

/** `count` signed-up customers, each with a shipping address. */
export async function signUpShoppers(base: string, count: number, tag: string): Promise<Shopper[]> {
  const one = async (i: number) => {
    const email = `shopper-${tag.replace(/\W+/g, "-")}-${i}-${Date.now().toString(36)}@example.test`;
    const grant = (await call(base, "auth/trpc/signup", {
      email,
      password: "correct horse battery",
      name: "Bench Shopper",
    })) as { token: string; user: { id: string } };
    const address = (await call(
      base,
      "user/trpc/addresses.add",
      { name: "Bench Shopper", line1: "Main St 1", city: "Berlin", postalCode: "10115", country: "DE" },
      grant.token,
    )) as { id: string };
    return { token: grant.token, userId: grant.user.id, addressId: address.id, email };
  };
  // A few at a time: each sign-up hashes a password (argon2id), which is meant to be slow.
  const shoppers: Shopper[] = [];
  for (let i = 0; i < count; i += 8)
    shoppers.push(
      ...(await Promise.all(Array.from({ length: Math.min(8, count - i) }, (_, j) => one(i + j)))),
    );
  return shoppers;
}

/** A signed-up shopper's Authorization header; their cart holds two lines. */
export async function shopperWithTwoLines(base: string) {
  const [shopper] = await signUpShoppers(base, 1, "profile");
  const { products } = await stockProducts(base, 2);
  for (const { variantId } of products)
    await call(base, "cart/trpc/addItem", { variantId, quantity: 1 }, shopper!.token);
  return { authorization: `Bearer ${shopper!.token}` };
}
