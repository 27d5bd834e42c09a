import { TRPCError } from "@trpc/server";
import { getHTTPStatusCodeFromError } from "@trpc/server/http";
import { type TRPC_ERROR_CODE_KEY, TRPC_ERROR_CODES_BY_KEY } from "@trpc/server/rpc";
import type { Context } from "hono";
import type { ContentfulStatusCode } from "hono/utils/http-status";

/**
 * A tRPC-shaped error response (superjson envelope, `data.code`, `data.httpStatus`, `data.requestId`)
 * for refusals the host makes before tRPC sees a request, so every client reads them like any other
 * tRPC error.
 * @example return errorResponse(c, "UNSUPPORTED_MEDIA_TYPE", "send the body as JSON with Content-Type: application/json");
 */
export function errorResponse(
  c: Context<{ Variables: { requestId: string } }>,
  code: TRPC_ERROR_CODE_KEY,
  message: string,
  details: Record<string, unknown> = {},
) {
  const httpStatus = getHTTPStatusCodeFromError(new TRPCError({ code })) as ContentfulStatusCode;
  const data = { code, httpStatus, requestId: c.get("requestId"), ...details };
  return c.json({ error: { json: { message, code: TRPC_ERROR_CODES_BY_KEY[code], data } } }, httpStatus);
}
