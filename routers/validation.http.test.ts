import { afterAll, beforeAll, expect, it } from "bun:test";
import { mutationBody, queryString, startTestShop, type TestShop } from "../test/support/shop.ts";
import { describeShop } from "../test/support/target.ts";

/** What every error on the wire must look like: a tRPC code, a readable message, a request id, no stack. */
async function expectError(res: Response, status: number, code: string) {
  expect(res.status).toBe(status);
  const text = await res.text();
  expect(text).not.toContain("stack");
  expect(text).not.toMatch(/at .+\.ts:\d+/);
  const { error } = JSON.parse(text);
  const body = error.json ?? error;
  expect(body.data.code).toBe(code);
  expect(body.data.requestId).toBe(res.headers.get("x-request-id"));
  expect(body.message.length).toBeGreaterThan(5);
  return body;
}

describeShop("bad input over HTTP", () => {
  let shop: TestShop;
  const post = (path: string, body: string, headers: Record<string, string> = {}) =>
    shop.fetch(path, { method: "POST", headers: { "content-type": "application/json", ...headers }, body });

  beforeAll(async () => {
    shop = await startTestShop(); // MAX_BODY_BYTES at its default, 2 MiB (NGINX's client_max_body_size too)
  });
  afterAll(() => shop.stop());

  it("answers malformed JSON with BAD_REQUEST", async () => {
    await expectError(await post("/api/auth/trpc/signup", "{not json"), 400, "BAD_REQUEST");
  });

  it("answers wrong types with BAD_REQUEST and the zod issues", async () => {
    const body = await expectError(
      await post("/api/auth/trpc/signup", mutationBody({ email: 42, password: "long enough", name: "A" })),
      400,
      "BAD_REQUEST",
    );
    expect(body.data.zodIssues[0].path).toEqual(["email"]);
    expect(body.message).toContain("email");
  });

  it("refuses unknown fields", async () => {
    const body = await expectError(
      await post(
        "/api/auth/trpc/signup",
        mutationBody({ email: "a@b.co", password: "long enough", name: "A", role: "staff" }),
      ),
      400,
      "BAD_REQUEST",
    );
    expect(JSON.stringify(body.data.zodIssues)).toContain("role");
  });

  it("refuses a 1 MB string as invalid input, not as a crash", async () => {
    const huge = "x".repeat(1024 * 1024);
    await expectError(
      await post(
        "/api/auth/trpc/signup",
        mutationBody({ email: "a@b.co", password: "long enough", name: huge }),
      ),
      400,
      "BAD_REQUEST",
    );
  });

  it("refuses a body over the limit with 413", async () => {
    const res = await post("/api/auth/trpc/signup", mutationBody({ name: "x".repeat(3 * 1024 * 1024) }));
    await expectError(res, 413, "PAYLOAD_TOO_LARGE");
  });

  it("refuses negative and oversized limits", async () => {
    await expectError(
      await shop.fetch(`/api/product/trpc/list${queryString({ limit: -1 })}`),
      400,
      "BAD_REQUEST",
    );
    await expectError(
      await shop.fetch(`/api/product/trpc/list${queryString({ limit: 1000 })}`),
      400,
      "BAD_REQUEST",
    );
  });

  it("accepts the paging direction that tRPC's infinite queries add to a cursor-paged input", async () => {
    const res = await shop.fetch(`/api/product/trpc/list${queryString({ limit: 2, direction: "forward" })}`);
    expect(res.status).toBe(200);
    const customer = await shop.customer();
    expect(await customer.client.order.list.query({ direction: "forward" })).toEqual({
      items: [],
      nextCursor: null,
    });
    await expectError(
      await shop.fetch(`/api/product/trpc/list${queryString({ direction: "sideways" })}`),
      400,
      "BAD_REQUEST",
    );
  });

  it("answers an unknown procedure or service with NOT_FOUND and 404", async () => {
    await expectError(await shop.fetch("/api/product/trpc/nope"), 404, "NOT_FOUND");
    await expectError(await shop.fetch("/api/nope/trpc/list"), 404, "NOT_FOUND");
  });

  it("keeps a sane X-Request-Id from the caller and makes one up otherwise", async () => {
    const res = await shop.fetch("/api/product/trpc/nope", { headers: { "x-request-id": "trace-123" } });
    expect(res.headers.get("x-request-id")).toBe("trace-123");
    expect((await res.json()).error.json.data.requestId).toBe("trace-123");
    const bad = await shop.fetch("/healthz", { headers: { "x-request-id": "bad id with spaces" } });
    // Made up by the host (a UUID) or, in front of the cluster, by NGINX (32 hex digits).
    expect(bad.headers.get("x-request-id")).toMatch(/^([0-9a-f-]{36}|[0-9a-f]{32})$/);
  });

  it("answers guests on staff procedures with UNAUTHORIZED and customers with FORBIDDEN", async () => {
    const create = {
      title: "T",
      category: "x",
      variants: [{ sku: "S", price: { amount: 1, currency: "EUR" } }],
    };
    await expectError(await post("/api/product/trpc/create", mutationBody(create)), 401, "UNAUTHORIZED");
    const { token } = await shop.customer();
    await expectError(
      await post("/api/product/trpc/create", mutationBody(create), { authorization: `Bearer ${token}` }),
      403,
      "FORBIDDEN",
    );
  });

  it("serves health, readiness and security headers", async () => {
    const health = await shop.fetch("/healthz");
    expect(await health.json()).toEqual({ status: "ok" });
    expect(health.headers.get("x-content-type-options")).toBe("nosniff");
    expect(health.headers.get("content-security-policy")).toContain("default-src 'self'");
    expect((await shop.fetch("/readyz")).status).toBe(200);
  });
});
