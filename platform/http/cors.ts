import type { MiddlewareHandler } from "hono";
import { cors } from "hono/cors";

/** Request headers the typed client (and any tRPC client) may send from another origin. */
const REQUEST_HEADERS = ["content-type", "authorization", "trpc-accept", "x-cart-token", "x-request-id"];
/** Response headers a cross-origin script may read besides the CORS-safelisted ones. */
const RESPONSE_HEADERS = ["x-request-id", "retry-after"];

/**
 * CORS for the API, with credentials, for exactly the given origins (a front end on a Vite or Next
 * dev server, the public storefront). Other origins get no CORS headers at all; every response still
 * says `Vary: Origin`, so a shared cache never hands one origin's answer to another.
 * @example app.use("/api/*", apiCors(["http://localhost:5173", "https://shop.example.com"]));
 */
export function apiCors(origins: readonly string[]): MiddlewareHandler {
  const allowed = new Set(origins.map((o) => new URL(o).origin));
  const withCors = cors({
    origin: (origin) => (allowed.has(origin) ? origin : null),
    credentials: true,
    allowMethods: ["GET", "POST"],
    allowHeaders: REQUEST_HEADERS,
    exposeHeaders: RESPONSE_HEADERS,
    maxAge: 600,
  });
  return async (c, next) => {
    if (allowed.size === 0) return next();
    const origin = c.req.header("origin");
    if (origin && allowed.has(origin)) return withCors(c, next);
    await next();
    c.header("Vary", "Origin", { append: true });
  };
}
