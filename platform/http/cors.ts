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
  const allowed = allowedOrigins(origins);
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

const allowedOrigins = (origins: readonly string[]) => new Set(origins.map((o) => new URL(o).origin));

/** What `apiCors` adds to an answer that is not a preflight. */
export type CorsForAnswer = {
  /** Headers it sets (for an allowed origin). */
  headers: Readonly<Record<string, string>>;
  /** Whether it appends `Origin` to `Vary`. */
  varyOrigin: boolean;
};

/**
 * For answers the host makes without running `apiCors` (cached catalog hits, host.ts): what it would
 * have added for a request from `origin`. A test holds the two equal.
 * @example const corsFor = corsForAnswers(origins); corsFor(request.headers.get("origin"));
 */
export function corsForAnswers(origins: readonly string[]): (origin: string | null) => CorsForAnswer {
  const allowed = allowedOrigins(origins);
  const none: CorsForAnswer = { headers: {}, varyOrigin: allowed.size > 0 };
  const byOrigin = new Map(
    [...allowed].map((origin): [string, CorsForAnswer] => [
      origin,
      {
        headers: {
          "Access-Control-Allow-Origin": origin,
          "Access-Control-Allow-Credentials": "true",
          "Access-Control-Expose-Headers": RESPONSE_HEADERS.join(","),
        },
        varyOrigin: true,
      },
    ]),
  );
  return (origin) => (origin && byOrigin.get(origin)) || none;
}
