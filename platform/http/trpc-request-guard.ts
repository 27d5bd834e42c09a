import type { MiddlewareHandler } from "hono";
import { errorResponse } from "./error-body.ts";
import { mediaType } from "./media-type.ts";

const ALLOW = "GET, HEAD, POST, OPTIONS";

/** The procedure part of a tRPC URL as tRPC's fetch adapter reads it: after the endpoint, trimmed, decoded. */
export function procedurePath(url: string, endpoint: string): string | null {
  const raw = new URL(url).pathname.slice(endpoint.length).replace(/^\/|\/$/g, "");
  try {
    return decodeURIComponent(raw);
  } catch {
    return null; // tRPC refuses a malformed path itself, before running anything
  }
}

/**
 * Refuses, before tRPC reads anything, what no procedure here can serve: methods other than
 * GET/HEAD/POST (OPTIONS gets 204 and `Allow`), POST bodies that are not JSON, and batches of more
 * than `maxBatchSize` calls — one request must not make the server run thousands of procedures.
 * @example app.use("/api/product/trpc/*", trpcRequestGuard({ endpoint: "/api/product/trpc", maxBatchSize: 10 }));
 */
export function trpcRequestGuard(options: {
  endpoint: string;
  maxBatchSize: number;
}): MiddlewareHandler<{ Variables: { requestId: string } }> {
  return async (c, next) => {
    const method = c.req.method;
    if (method === "OPTIONS") return c.body(null, 204, { Allow: ALLOW });
    if (method !== "GET" && method !== "POST" && method !== "HEAD") {
      c.header("Allow", ALLOW);
      return errorResponse(
        c,
        "METHOD_NOT_SUPPORTED",
        `${method} is not supported here: send queries as GET and mutations as POST`,
      );
    }
    if (method === "POST") {
      const contentType = c.req.header("content-type");
      if (mediaType(contentType) !== "application/json") {
        return errorResponse(
          c,
          "UNSUPPORTED_MEDIA_TYPE",
          `send the request body as JSON with Content-Type: application/json (${contentType ? `got "${contentType}"` : "there was no Content-Type"})`,
        );
      }
    }
    if (c.req.query("batch") === "1") {
      const calls = procedurePath(c.req.url, options.endpoint)?.split(",").length ?? 0;
      if (calls > options.maxBatchSize) {
        return errorResponse(
          c,
          "BAD_REQUEST",
          `a batch may hold at most ${options.maxBatchSize} calls and this one has ${calls}: split it into smaller batches`,
          { maxBatchSize: options.maxBatchSize },
        );
      }
    }
    return next();
  };
}
