import type { z } from "zod";

/**
 * One method of a service's API as another process calls it: the arguments as a tuple schema, the
 * result schema (both sides validate), and whether a retry on another instance is safe.
 */
export type InternalMethod<Args extends unknown[], Result> = {
  args: z.ZodType<Args, unknown>;
  result: z.ZodType<Result, unknown>;
  /** The call may run twice with the effect of once (keyed by an order id, a read): retry it elsewhere. */
  idempotent: boolean;
};

/**
 * The methods of `Api` other services may call, each with its schemas; the type checker holds the
 * schemas to the interface, so the wire and the in-process call cannot drift apart.
 */
export type InternalContract<Api, Names extends keyof Api> = {
  [K in Names]: Api[K] extends (...args: infer A) => Promise<infer R> ? InternalMethod<A, R> : never;
};

/** The part of `Api` a contract covers: what a remote adapter implements. */
export type InternalApi<C> = {
  [K in keyof C]: C[K] extends InternalMethod<infer A, infer R> ? (...args: A) => Promise<R> : never;
};

export const internal = <Args extends unknown[], Result>(
  args: z.ZodType<Args, unknown>,
  result: z.ZodType<Result, unknown>,
  { idempotent }: { idempotent: boolean },
): InternalMethod<Args, Result> => ({ args, result, idempotent });
