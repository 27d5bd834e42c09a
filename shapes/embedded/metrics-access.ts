import type { MiddlewareHandler } from "hono";
import { getConnInfo } from "hono/bun";
import { isLoopbackHost } from "./loopback-host.ts";

/** 127.0.0.0/8 and ::1, also as IPv4-mapped IPv6 (`::ffff:127.0.0.1`) on a dual-stack socket. */
export function isLoopbackAddress(address: string): boolean {
  const v4 = address.toLowerCase().replace(/^::ffff:/, "");
  return address === "::1" || /^127\.\d{1,3}\.\d{1,3}\.\d{1,3}$/.test(v4);
}

const peerAddress = (c: Parameters<MiddlewareHandler>[0]) => {
  try {
    return getConnInfo(c).remote.address ?? "";
  } catch {
    return ""; // no socket (app.request in tests): not a local scraper
  }
};

/**
 * The embedded shop's `/metrics` is for a Prometheus on the same machine (ADR 096): the connection
 * must come from loopback, carry no forwarding header (a proxy on this machine relaying a visitor
 * would otherwise look local), and name a loopback Host (a DNS-rebinding page reaches a loopback port
 * under its own name). Anything else gets 403 and a sentence saying why.
 * @example mountMetrics(shop.app, shop.metrics, localScrapersOnly());
 */
export const localScrapersOnly = (): MiddlewareHandler => async (c, next) => {
  const proxied = c.req.header("forwarded") !== undefined || c.req.header("x-forwarded-for") !== undefined;
  if (!isLoopbackAddress(peerAddress(c)) || proxied || !isLoopbackHost(c.req.header("host"))) {
    return c.text(
      "/metrics is served to this machine only: scrape it from 127.0.0.1 or [::1], not through a proxy",
      403,
    );
  }
  await next();
};
