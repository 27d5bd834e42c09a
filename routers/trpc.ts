import { initTRPC, TRPCError } from "@trpc/server";
import { z } from "zod";
import { DomainError } from "../contracts/errors.ts";
import { currentRequestId } from "../platform/request-context.ts";
import { traceProcedure } from "../platform/telemetry/procedures.ts";
import type { Context } from "./context.ts";
import { transformer, UndecodableInputError } from "./transformer.ts";

const describeIssues = (issues: readonly z.core.$ZodIssue[]) =>
  issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`)
    .join("; ");

/**
 * What to tell a person whose input tRPC could not even decode. tRPC wraps whatever JSON.parse or
 * superjson threw in a BAD_REQUEST that repeats the raw message ("JSON Parse error: Expected '}'",
 * "Maximum call stack size exceeded."); those are the engine talking, not the shop.
 */
function undecodableInput(error: TRPCError): string | null {
  const cause = error.cause;
  if (error.code !== "BAD_REQUEST" || !(cause instanceof Error) || cause instanceof DomainError) return null;
  if (error.message !== cause.message) return null; // a message someone chose on purpose
  if (cause instanceof UndecodableInputError) return cause.message;
  if (cause instanceof SyntaxError) return "the input is not valid JSON";
  if (cause instanceof RangeError) return "the input is nested too deeply to read";
  return 'the input could not be decoded: send {"json": <input>} as superjson writes it';
}

/** Who may call a procedure; the API reference (docs/api) reads it. Each builder below sets it. */
export type ProcedureMeta = { auth: "public" | "authed" | "staff" };
const init = initTRPC.context<Context>().meta<ProcedureMeta>();

const t = init.create({
  transformer,
  isDev: false,
  // Label streamed (httpBatchStreamLink) answers for what they are, so no cache mistakes them for JSON.
  jsonl: { contentType: "application/jsonl" },
  /** The one place errors become wire shapes: readable message, tRPC code, request id, never a stack. */
  errorFormatter({ shape, error, ctx, type }) {
    const { stack: _stack, ...data } = shape.data;
    // Errors raised while tRPC reads the request come before any context; the host still knows the id.
    const requestId = ctx?.requestId ?? currentRequestId() ?? "unknown";
    const cause = error.cause;
    if (cause instanceof z.ZodError) {
      return {
        ...shape,
        message: `invalid input: ${describeIssues(cause.issues)}`,
        data: { ...data, requestId, zodIssues: cause.issues },
      };
    }
    // tRPC raises PARSE_ERROR only for a `connectionParams` query parameter that is not JSON.
    if (error.code === "PARSE_ERROR") {
      return {
        ...shape,
        code: -32600,
        message: "the connectionParams query parameter must be a JSON object of strings",
        data: { ...data, code: "BAD_REQUEST" as const, requestId },
      };
    }
    const unreadable = undecodableInput(error);
    if (unreadable) return { ...shape, message: unreadable, data: { ...data, requestId } };
    if (error.code === "METHOD_NOT_SUPPORTED" && type === "mutation") {
      return {
        ...shape,
        message: `${data.path} is a mutation: send it with POST`,
        data: { ...data, requestId },
      };
    }
    if (error.code === "INTERNAL_SERVER_ERROR") {
      return { ...shape, message: `internal error (request id ${requestId})`, data: { ...data, requestId } };
    }
    // A domain error's string code, and the facts it chose to share (the declined order's id, the
    // variant that sold out), so a client can act on it without parsing the message.
    const domain =
      cause instanceof DomainError
        ? { reason: cause.code, ...(cause.details && { details: cause.details }) }
        : {};
    return { ...shape, data: { ...data, requestId, ...domain } };
  },
});

/** Domain errors carry their own tRPC code; this turns them into TRPCErrors at the edge. */
const domainErrors = t.middleware(async ({ next }) => {
  const result = await next();
  if (!result.ok && result.error.cause instanceof DomainError) {
    const cause = result.error.cause;
    throw new TRPCError({ code: cause.kind, message: cause.message, cause });
  }
  return result;
});

/** A span per procedure (`order.checkout`) while tracing; nothing otherwise. */
const tracedProcedure = t.middleware(({ path, next }) => traceProcedure(path, next));

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.meta({ auth: "public" }).use(tracedProcedure).use(domainErrors);

/**
 * The CSRF defence, for every change a cookie authorises (Lucia's rule): a browser sends cookies with
 * cross-site requests, so such a request must name this site or an allowed origin in its Origin
 * header. A credential from a header (Bearer, X-Cart-Token) is never sent by a browser on its own.
 * @example checkOrigin(ctx, session?.source);
 */
export function checkOrigin(ctx: Pick<Context, "originAllowed">, credential: string | undefined) {
  if (credential === "cookie" && !ctx.originAllowed()) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "cross-site request refused: the Origin header is missing or not allowed",
    });
  }
}

/** Requires a valid session; cookie-authenticated mutations must also come from an allowed Origin. */
export const authedProcedure = publicProcedure.meta({ auth: "authed" }).use(async ({ ctx, type, next }) => {
  const session = await ctx.session();
  if (!session) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in to do this" });
  if (type === "mutation") checkOrigin(ctx, session.source);
  return next({ ctx: { session, user: session.user } });
});

export const staffProcedure = authedProcedure.meta({ auth: "staff" }).use(({ ctx, next }) => {
  if (ctx.user.role !== "staff") throw new TRPCError({ code: "FORBIDDEN", message: "staff only" });
  return next();
});
