import { afterAll, beforeAll, expect, it } from "bun:test";
import { startTestShop, type TestShop } from "../test/support/shop.ts";
import { describeShop } from "../test/support/target.ts";
import { createFastrClient } from "./client.ts";

describeShop("the client link", () => {
  let shop: TestShop;
  beforeAll(async () => {
    shop = await startTestShop();
  });
  afterAll(() => shop.stop());

  it("sends each service's calls to its own URL and batches calls to one service into one request", async () => {
    const requests: string[] = [];
    const client = createFastrClient({
      baseUrl: shop.url,
      fetch: (input, init) => {
        requests.push(new URL(String(input instanceof Request ? input.url : input)).pathname);
        return fetch(input, init);
      },
    });
    const [categories, list, me, cart] = await Promise.all([
      client.product.categories.query(),
      client.product.list.query({ limit: 2 }),
      client.auth.me.query(),
      client.cart.get.query(),
    ]);
    expect(Array.isArray(categories)).toBe(true);
    expect(list.items.length).toBeLessThanOrEqual(2);
    expect(me).toBeNull();
    expect(cart.lines).toEqual([]);
    expect(requests.sort()).toEqual([
      "/api/auth/trpc/me",
      "/api/cart/trpc/get",
      "/api/product/trpc/categories,list",
    ]);
  });

  it("splits a page's 25 calls to one service into batches the server accepts", async () => {
    const sizes: number[] = [];
    const client = createFastrClient({
      baseUrl: shop.url,
      fetch: (input, init) => {
        const path = new URL(String(input instanceof Request ? input.url : input)).pathname;
        sizes.push(path.slice(path.lastIndexOf("/") + 1).split(",").length);
        return fetch(input, init);
      },
    });
    const answers = await Promise.all(Array.from({ length: 25 }, () => client.product.categories.query()));
    expect(answers).toHaveLength(25);
    expect(sizes.sort()).toEqual([10, 10, 5]);
  });

  it("reaches nested procedures by their dotted path", async () => {
    const { token } = await shop.customer();
    const res = await shop.fetch("/api/user/trpc/addresses.list", {
      headers: { authorization: `Bearer ${token}` },
    });
    expect((await res.json()).result.data.json).toEqual([]);
  });
});
