/**
 * tRPC copies its options and context at every middleware (and its client, its options and operation
 * at every link) with Babel's object-spread helper, which patches/@trpc%2Fserver and
 * patches/@trpc%2Fclient replace with a plain loop (ADR 180). What a middleware hands on must still
 * arrive as a spread would hand it.
 */

import { expect, it } from "bun:test";
import { readdirSync, readFileSync } from "node:fs";
import { join } from "node:path";
import { initTRPC } from "@trpc/server";

const dist = join(import.meta.dir, "../node_modules/@trpc/server/dist");
const clientDist = join(import.meta.dir, "../node_modules/@trpc/client/dist");
const clientHelper = join(
  clientDist,
  readdirSync(clientDist).find((f) => /^objectSpread2-.*\.mjs$/.test(f))!,
);

it("runs with the patched spread helpers (a tRPC upgrade must carry the patches over)", () => {
  const helper = readdirSync(dist).find((f) => /^getErrorShape-.*\.mjs$/.test(f));
  expect(readFileSync(join(dist, helper!), "utf8")).toContain("fastr (patches/, ADR 180)");
  expect(readFileSync(clientHelper, "utf8")).toContain("fastr (patches/, ADR 180)");
});

it("gives the client what a spread gives: own keys, enumerable symbols, a key named __proto__, no prototype touched", async () => {
  const { t: spread } = (await import(clientHelper)) as {
    t: (target: object, ...sources: unknown[]) => Record<string | symbol, unknown>;
  };
  const tag = Symbol("tag");
  const hidden = Symbol("hidden");
  const hostile = JSON.parse('{"__proto__": {"polluted": true}, "plain": 1}') as Record<string, unknown>;
  const source = Object.defineProperty({ ...hostile, [tag]: "kept" }, hidden, {
    value: 1,
    enumerable: false,
  });
  const inherited = Object.assign(Object.create({ fromPrototype: true }), { own: "yes" });
  // The shape tRPC's build emits: spread, an empty filler, then the literal part.
  const op = spread(spread(spread({}, source), inherited), {}, { signal: "literal", plain: 2 });

  expect(op).toEqual({ ...source, ...inherited, signal: "literal", plain: 2 });
  expect(op[tag]).toBe("kept");
  expect(Object.getOwnPropertySymbols(op)).toEqual([tag]);
  expect(op.fromPrototype).toBeUndefined();
  expect(Object.hasOwn(op, "__proto__")).toBe(true);
  expect(Object.getPrototypeOf(op)).toBe(Object.prototype);
  expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  expect(spread({ kept: 1 }, null, undefined)).toEqual({ kept: 1 });
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
