/** docs/api: the procedure reference generated from the routers, and the contract it must keep. */
import { describe, expect, it } from "bun:test";
import { join } from "node:path";
import type { AnyRouter } from "@trpc/server";
import { serviceRouters } from "../../routers/index.ts";
import { generatedReference, REFERENCE_JSON, REFERENCE_MD, ROOT } from "../docs-api.ts";
import type { ApiReference } from "./build.ts";

const generated = await generatedReference();
const reference = JSON.parse(generated.json) as ApiReference;
const byPath = new Map(reference.procedures.map((p) => [p.path, p]));
const procedure = (path: string) => {
  const found = byPath.get(path);
  if (!found) throw new Error(`${path} is not in the reference`);
  return found;
};

describe("the API reference (docs/api)", () => {
  it("is committed as bun run docs:api generates it now (run it after changing a router or contract)", async () => {
    const stale = "docs/api is stale: run `bun run docs:api` and commit docs/api/";
    expect(await Bun.file(REFERENCE_MD).text(), stale).toBe(generated.markdown);
    expect(await Bun.file(REFERENCE_JSON).text(), stale).toBe(generated.json);
  });

  it("lists every procedure of every router, each with its kind, request and who may call it", () => {
    const fromRouters = Object.entries(serviceRouters as Record<string, AnyRouter>).flatMap(
      ([service, router]) => Object.keys(router._def.procedures).map((path) => `${service}.${path}`),
    );
    expect(reference.procedures.map((p) => p.path)).toEqual(fromRouters);
    expect(procedure("product.list")).toMatchObject({
      kind: "query",
      auth: "public",
      http: { method: "GET", url: "/api/product/trpc/list" },
    });
    expect(procedure("user.addresses.add")).toMatchObject({
      kind: "mutation",
      auth: "authed",
      http: { method: "POST", url: "/api/user/trpc/addresses.add" },
    });
    expect(procedure("order.listAll")).toMatchObject({ kind: "query", auth: "staff" });
    expect(procedure("cart.addItem").auth).toBe("public");
  });

  it("holds every procedure the contract (docs/api/contract.md) promises", async () => {
    const contract = await Bun.file(join(ROOT, "docs/api/contract.md")).text();
    const table = contract.slice(contract.indexOf("## Procedures"));
    // `user.addresses.list / add / update / remove`: later names share the first one's prefix.
    const promised = [...table.matchAll(/^\| ([a-z]\w*\.[\w.]+(?: \/ [\w.]+)*) \|/gm)].flatMap(([, cell]) => {
      const [first, ...rest] = cell!.split(" / ");
      const prefix = first!.slice(0, first!.lastIndexOf(".") + 1);
      return [first!, ...rest.map((name) => (name.includes(".") ? name : prefix + name))];
    });
    expect(promised.length).toBeGreaterThan(25);
    expect(promised.filter((path) => !byPath.has(path))).toEqual([]);
  });

  it("describes each input by the zod schema the procedure validates with, rules included", () => {
    const list = procedure("product.list");
    expect(list.input?.properties?.limit).toMatchObject({
      type: "integer",
      minimum: 1,
      maximum: 100,
      default: 24,
    });
    expect(list.inputText).toContain("limit?: integer; // 1–100, default 24");
    expect(list.inputRules).toEqual(["minPrice must not exceed maxPrice"]);
    expect(procedure("order.checkout").inputRules).toEqual([
      "give exactly one of addressId or shippingAddress",
    ]);
    expect(procedure("auth.signup").input?.required).toEqual(["email", "password", "name"]);
    expect(procedure("product.categories")).toMatchObject({
      input: null,
      inputText: null,
      inputExample: null,
    });
  });

  it("describes each output, dates as date-time strings", () => {
    const signup = procedure("auth.signup").output;
    expect(signup.properties?.expiresAt).toEqual({ type: "string", format: "date-time" });
    expect(procedure("auth.me").outputText).toMatch(/^\{[\s\S]*\} \| null$/);
    expect(procedure("order.get").outputText).toContain(
      'status: "pending" | "awaiting_payment" | "paid" | "fulfilled" | "cancelled" | "payment_failed" | "refunded";',
    );
    expect(procedure("product.list").output.required).toEqual(["items", "nextCursor"]);
  });

  it("names the errors each procedure answers with, from its input and who may call it", () => {
    const codes = (path: string) => procedure(path).errors.map((e) => e.code);
    expect(codes("product.categories")).toEqual([]);
    expect(codes("product.list")).toEqual(["BAD_REQUEST"]);
    expect(codes("user.me")).toEqual(["UNAUTHORIZED"]);
    expect(codes("order.fulfil")).toEqual(["BAD_REQUEST", "UNAUTHORIZED", "FORBIDDEN", "FORBIDDEN"]);
  });

  it("lists the domain errors each service raises, with the tRPC code they become", () => {
    expect(reference.domainErrors).toContainEqual({
      code: "ORDER.EMPTY_CART",
      kind: "BAD_REQUEST",
      messages: ["your cart is empty"],
      sources: ["services/order/domain/order.errors.ts"],
    });
    expect(reference.domainErrors.find((e) => e.code === "AUTH.THROTTLE_UNAVAILABLE")).toMatchObject({
      kind: "TOO_MANY_REQUESTS",
      messages: [expect.stringContaining("try again in a few seconds")],
    });
    expect(generated.markdown).toContain("| `PRODUCT.OUT_OF_STOCK` | `CONFLICT` |");
  });
});
