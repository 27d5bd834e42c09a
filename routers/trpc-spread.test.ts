/**
 * tRPC copies its options and context at every middleware with Babel's object-spread helper, which
 * patches/@trpc%2Fserver replaces with a plain loop (ADR 180). What a middleware hands on must still
 * arrive as a spread would hand it.
 */

import { expect, it } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { initTRPC } from "@trpc/server";

const dist = join(import.meta.dir, "../node_modules/@trpc/server/dist");

it("runs with the patched spread helper (a tRPC upgrade must carry the patch over)", () => {
  const helper = readdirSync(dist).find((f) => /^getErrorShape-.*\.mjs$/.test(f));
  expect(readFileSync(join(dist, helper!), "utf8")).toContain("fastr (patches/, ADR 180)");
});

it("hands on context and input as a spread does: own keys, symbols, a key named __proto__, no prototype touched", async () => {
  const t = initTRPC.context<{ base: string }>().create();
  const tag = Symbol("tag");
  const hostile = JSON.parse('{"__proto__": {"polluted": true}, "plain": 1}') as Record<string, unknown>;
  const seen = t.procedure
    .use(({ next }) => next({ ctx: { ...hostile, [tag]: "kept", added: "yes" } }))
    .use(({ ctx, next }) => next({ ctx: { base: `${ctx.base}!` } }))
    .query(({ ctx }) => ctx as Record<string | symbol, unknown>);
  const router = t.router({ seen });
  const ctx = await t.createCallerFactory(router)({ base: "shop" }).seen();

  expect(ctx.base).toBe("shop!");
  expect(ctx.added).toBe("yes");
  expect(ctx.plain).toBe(1);
  expect(ctx[tag]).toBe("kept");
  expect(Object.hasOwn(ctx, "__proto__")).toBe(true);
  expect(Object.getPrototypeOf(ctx)).toBe(Object.prototype);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
});
