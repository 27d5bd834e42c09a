import type { AuthApi, Session } from "../contracts/auth.ts";
import { CART_COOKIE, CART_TOKEN_HEADER, CART_TOKEN_PATTERN, type CartApi } from "../contracts/cart.ts";
import type { NotificationApi } from "../contracts/notification.ts";
import type { OrderApi } from "../contracts/order.ts";
import type { PaymentApi } from "../contracts/payment.ts";
import type { ProductApi } from "../contracts/product.ts";
import type { UserApi } from "../contracts/user.ts";

/** The services a router may call; each shape decides whether they are in-process or remote. */
export type Services = {
  auth: AuthApi;
  user: UserApi;
  product: ProductApi;
  cart: CartApi;
  order: OrderApi;
  payment: PaymentApi;
  notification: NotificationApi;
};

export const SESSION_COOKIE = "fastr_session";

export type CookieOptions = { maxAgeSeconds: number };

/** Everything a procedure knows about the request it serves. */
export type Context = {
  requestId: string;
  /** The client address (the socket's, or what your own proxy saw when TRUST_PROXY names it). */
  clientIp: () => string;
  services: Services;
  /** Whether the Origin header names this site or an allowed origin (CSRF defence for cookie auth). */
  originAllowed: () => boolean;
  /** The caller's session, resolved at most once per request; null for guests. */
  session: () => Promise<RequestSession | null>;
  setCookie: (name: string, value: string, options: CookieOptions) => void;
  /** The guest cart token the request carries (cookie for browsers, X-Cart-Token header otherwise). */
  cartToken: { token: string; source: "cookie" | "header" } | null;
};

export type RequestSession = Session & { source: "cookie" | "bearer" };

/** The credential a request carries, before it is checked. */
export function readSessionToken(headers: Headers, cookies: Record<string, string>) {
  const authorization = headers.get("authorization");
  if (authorization?.toLowerCase().startsWith("bearer ")) {
    return { token: authorization.slice(7).trim(), source: "bearer" as const };
  }
  const token = cookies[SESSION_COOKIE];
  return token ? { token, source: "cookie" as const } : null;
}

/** Lucia's rule: accept a cross-origin-capable request only if Origin matches the host or an allowed origin. */
export function isOriginAllowed(origin: string | null, host: string | null, allowed: readonly string[]) {
  if (!origin) return false;
  let parsed: URL;
  try {
    parsed = new URL(origin);
  } catch {
    return false;
  }
  return parsed.host === host || allowed.some((a) => new URL(a).origin === parsed.origin);
}

export type ContextOptions = {
  services: Services;
  /** Origins besides the request's own host that may send cookie-authenticated mutations. */
  allowedOrigins: readonly string[];
};

/** What the host learnt about the request: its id, and the client, scheme and host (proxies resolved) when asked. */
export type RequestMeta = {
  requestId: string;
  origin: () => { ip: string; protocol: "http" | "https"; host: string };
};

/**
 * Builds the per-request context: reads the session credential, resolves it lazily (once), and
 * re-sends the cookie when the session's expiry slid forward.
 */
export function createContextFactory(options: ContextOptions) {
  return (req: Request, resHeaders: Headers, meta: RequestMeta): Context => {
    const headers = req.headers;

    const setCookie = (name: string, value: string, { maxAgeSeconds }: CookieOptions) => {
      const parts = [`${name}=${value}`, "Path=/", "HttpOnly", "SameSite=Lax", `Max-Age=${maxAgeSeconds}`];
      if (meta.origin().protocol === "https") parts.push("Secure");
      resHeaders.append("Set-Cookie", parts.join("; "));
    };

    const cookies = parseCookies(headers.get("cookie"));
    const headerToken = headers.get(CART_TOKEN_HEADER);
    const cartToken =
      headerToken && CART_TOKEN_PATTERN.test(headerToken)
        ? { token: headerToken, source: "header" as const }
        : cookies[CART_COOKIE] && CART_TOKEN_PATTERN.test(cookies[CART_COOKIE])
          ? { token: cookies[CART_COOKIE], source: "cookie" as const }
          : null;

    let resolved: Promise<RequestSession | null> | undefined;
    const session = () => {
      resolved ??= (async () => {
        const credential = readSessionToken(headers, cookies);
        if (!credential) return null;
        const found = await options.services.auth.validateSession(credential.token);
        if (!found) {
          if (credential.source === "cookie") setCookie(SESSION_COOKIE, "", { maxAgeSeconds: 0 });
          return null;
        }
        if (found.renewed && credential.source === "cookie") {
          setCookie(SESSION_COOKIE, credential.token, {
            maxAgeSeconds: Math.floor((found.expiresAt.getTime() - Date.now()) / 1000),
          });
        }
        return { ...found, source: credential.source };
      })();
      return resolved;
    };

    return {
      requestId: meta.requestId,
      clientIp: () => meta.origin().ip,
      services: options.services,
      originAllowed: () => isOriginAllowed(headers.get("origin"), meta.origin().host, options.allowedOrigins),
      session,
      setCookie,
      cartToken,
    };
  };
}

function parseCookies(header: string | null): Record<string, string> {
  const cookies: Record<string, string> = {};
  for (const pair of header?.split(";") ?? []) {
    const eq = pair.indexOf("=");
    if (eq > 0) cookies[pair.slice(0, eq).trim()] = pair.slice(eq + 1).trim();
  }
  return cookies;
}
