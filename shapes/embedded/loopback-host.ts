import type { MiddlewareHandler } from "hono";

/** The HOST values that bind the shop to this machine only: the dev pages are served then. */
export const LOOPBACK_BINDS: readonly string[] = ["127.0.0.1", "localhost", "::1"];

/**
 * Whether a Host header names this machine's loopback: `localhost` and `*.localhost`, 127.0.0.0/8,
 * `[::1]`, with or without a port. A DNS-rebinding page reaches a loopback port under its own name,
 * which is never one of these.
 * @example isLoopbackHost("127.0.0.1:3000") // true; isLoopbackHost("rebind.attacker.example:3000") // false
 */
export function isLoopbackHost(host: string | undefined): boolean {
  if (!host) return false;
  const name = (host.startsWith("[") ? host.slice(1, host.indexOf("]")) : host.replace(/:\d*$/, ""))
    .toLowerCase()
    .replace(/\.$/, "");
  return (
    name === "localhost" ||
    name.endsWith(".localhost") ||
    name === "::1" ||
    /^127\.(?:\d{1,3})\.(?:\d{1,3})\.(?:\d{1,3})$/.test(name)
  );
}

/** Answers 403 unless the request's Host is a loopback name (see isLoopbackHost). */
export const loopbackHostOnly = (): MiddlewareHandler => async (c, next) => {
  if (!isLoopbackHost(c.req.header("host")))
    return c.text("the dev pages answer only to a loopback Host: localhost, 127.0.0.1 or [::1]", 403);
  await next();
};
