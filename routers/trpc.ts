import { initTRPC, TRPCError } from "@trpc/server";
import superjson from "superjson";
import { z } from "zod";
import { DomainError } from "../contracts/errors.ts";
import type { Context } from "./context.ts";

const describeIssues = (issues: readonly z.core.$ZodIssue[]) =>
  issues
    .slice(0, 5)
    .map((i) => `${i.path.length ? `${i.path.join(".")}: ` : ""}${i.message}`)
    .join("; ");

/** Who may call a procedure; the API reference (docs/api) reads it. Each builder below sets it. */
export type ProcedureMeta = { auth: "public" | "authed" | "staff" };
const init = initTRPC.context<Context>().meta<ProcedureMeta>();

const t = init.create({
  transformer: superjson,
  isDev: false,
  /** The one place errors become wire shapes: readable message, tRPC code, request id, never a stack. */
  errorFormatter({ shape, error, ctx }) {
    const { stack: _stack, ...data } = shape.data;
    const requestId = ctx?.requestId ?? "unknown";
    const cause = error.cause;
    if (cause instanceof z.ZodError) {
      return {
        ...shape,
        message: `invalid input: ${describeIssues(cause.issues)}`,
        data: { ...data, requestId, zodIssues: cause.issues },
      };
    }
    if (error.code === "PARSE_ERROR") {
      return {
        ...shape,
        code: -32600,
        message: "the request body is not valid JSON",
        data: { ...data, code: "BAD_REQUEST" as const, requestId },
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

export const router = t.router;
export const createCallerFactory = t.createCallerFactory;

export const publicProcedure = t.procedure.meta({ auth: "public" }).use(domainErrors);

/** Requires a valid session; cookie-authenticated mutations must also come from an allowed Origin. */
export const authedProcedure = publicProcedure.meta({ auth: "authed" }).use(async ({ ctx, type, next }) => {
  const session = await ctx.session();
  if (!session) throw new TRPCError({ code: "UNAUTHORIZED", message: "sign in to do this" });
  if (type === "mutation" && session.source === "cookie" && !ctx.originAllowed) {
    throw new TRPCError({
      code: "FORBIDDEN",
      message: "cross-site request refused: the Origin header is missing or not allowed",
    });
  }
  return next({ ctx: { session, user: session.user } });
});

export const staffProcedure = authedProcedure.meta({ auth: "staff" }).use(({ ctx, next }) => {
  if (ctx.user.role !== "staff") throw new TRPCError({ code: "FORBIDDEN", message: "staff only" });
  return next();
});
