/**
 * The headers the host puts on every response: the request id and the security headers (the set
 * hono's `secureHeaders` sends by default, with the shop's Content-Security-Policy), computed once.
 *
 * In Bun, each header set on a finished Response costs about half a microsecond, so adding thirteen
 * after the fact was a third of a `/healthz`. Responses the host builds itself (health, cached
 * catalog answers, error bodies) are therefore made with a copy of a prebuilt `Headers`, which costs
 * about one set, and marked finished; only responses made elsewhere (tRPC, static files) get the
 * headers added one by one.
 */

/** Content-Security-Policy for the storefront and the API reference page. */
const CSP =
  "default-src 'self'; img-src 'self' data:; style-src 'self' 'unsafe-inline'; script-src 'self'; frame-ancestors 'none'";

/** The same headers and values hono's `secureHeaders` sends; a test holds the two equal. */
export const SECURITY_HEADERS: readonly (readonly [string, string])[] = [
  ["Cross-Origin-Resource-Policy", "same-origin"],
  ["Cross-Origin-Opener-Policy", "same-origin"],
  ["Origin-Agent-Cluster", "?1"],
  ["Referrer-Policy", "no-referrer"],
  ["Strict-Transport-Security", "max-age=15552000; includeSubDomains"],
  ["X-Content-Type-Options", "nosniff"],
  ["X-DNS-Prefetch-Control", "off"],
  ["X-Download-Options", "noopen"],
  ["X-Frame-Options", "SAMEORIGIN"],
  ["X-Permitted-Cross-Domain-Policies", "none"],
  ["X-XSS-Protection", "0"],
  ["Content-Security-Policy", CSP],
];

/** The options that make hono's `secureHeaders` send exactly `SECURITY_HEADERS` (for the test). */
export const SECURE_HEADERS_OPTIONS = {
  contentSecurityPolicy: {
    defaultSrc: ["'self'"],
    imgSrc: ["'self'", "data:"],
    styleSrc: ["'self'", "'unsafe-inline'"],
    scriptSrc: ["'self'"],
    frameAncestors: ["'none'"],
  },
  overwrite: false,
};

const finished = new WeakSet<Response>();

/**
 * Prebuilt headers for responses the host makes: the security headers plus `extra`. Build once,
 * pass to `hostResponse` on every request.
 * @example const JSON_HEADERS = hostHeaders({ "content-type": "application/json" });
 */
export function hostHeaders(extra: Record<string, string> = {}): Headers {
  const headers = new Headers(SECURITY_HEADERS as [string, string][]);
  for (const [name, value] of Object.entries(extra)) headers.set(name, value);
  return headers;
}

/** A response that already carries every header the host adds: `prebuilt` plus the request id. */
function withHostHeaders(body: BodyInit | null, status: number, prebuilt: Headers, requestId: string) {
  const headers = new Headers(prebuilt);
  headers.set("X-Request-Id", requestId);
  return new Response(body, { status, headers });
}

/**
 * A prebuilt answer given again with the request's id: a copy of `prototype` (its headers copied in
 * one go, its body shared), cheaper than making the Response and its Headers anew.
 * @example const HEALTHY = new Response('{"status":"ok"}', { headers: JSON_HEADERS }); return answerAgain(HEALTHY, requestId);
 */
export function answerAgain(prototype: Response, requestId: string) {
  const response = prototype.clone();
  response.headers.set("X-Request-Id", requestId);
  return response;
}

/**
 * The same, answered inside the middleware: marked, so that `addHostHeaders` leaves it as it is.
 * @example return hostResponse('{"status":"ok"}', 200, JSON_HEADERS, c.get("requestId"));
 */
export function hostResponse(body: BodyInit | null, status: number, prebuilt: Headers, requestId: string) {
  const response = withHostHeaders(body, status, prebuilt, requestId);
  finished.add(response);
  return response;
}

/**
 * What tRPC's answers start from (patches/@trpc%2Fserver, ADR 180): the security headers and the
 * `vary` tRPC sets itself, copied in one go.
 */
export const TRPC_BASE_HEADERS = hostHeaders({ vary: "trpc-accept, accept" });

/**
 * Adds the request id and every security header the response did not choose itself (a product image
 * keeps its own Cross-Origin-Resource-Policy). Responses from `hostResponse` already have them, and
 * so do those made from a copy of prebuilt host headers (tRPC's): their Content-Security-Policy is
 * the shop's, which only `hostHeaders` sets.
 */
export function addHostHeaders(response: Response, requestId: string) {
  if (finished.has(response)) return;
  const headers = response.headers;
  headers.set("X-Request-Id", requestId);
  if (headers.get("Content-Security-Policy") === CSP) return;
  for (const [name, value] of SECURITY_HEADERS) if (!headers.has(name)) headers.set(name, value);
}
