/** What the host tells the tRPC context about where a request came from. */
export type RequestOrigin = {
  /** The client address: the socket peer, or the one your outermost trusted proxy saw. */
  ip: string;
  /** The scheme the client used to reach the shop. */
  protocol: "http" | "https";
  /** The Host the client asked for (before any proxy rewrote it). */
  host: string;
};

/**
 * The entry of a comma-separated forwarding header that your own proxies vouch for. Each of the
 * `hops` proxies in front of fastr appends what it saw, so the last `hops` entries are theirs and
 * the one `hops` places from the right is what the outermost proxy was told by the client's
 * connection; everything further left was written by the client and proves nothing.
 * @example fromTrustedHop("6.6.6.6, 203.0.113.9", 1) // "203.0.113.9"
 */
export function fromTrustedHop(header: string | null | undefined, hops: number): string | undefined {
  if (!header || hops < 1) return undefined;
  const entries = header
    .split(",")
    .map((e) => e.trim())
    .filter(Boolean);
  return entries[Math.max(0, entries.length - hops)];
}

/**
 * Where a request came from. Without trusted proxies (`hops` 0) only the socket and the request line
 * count; with them, X-Forwarded-For/-Proto/-Host are read at the position the proxies wrote.
 * @example requestOrigin(req, socketAddress, 1) // { ip: "203.0.113.9", protocol: "https", host: "shop.example.com" }
 */
export function requestOrigin(req: Request, socketAddress: string, hops: number): RequestOrigin {
  const headers = req.headers;
  const proto = fromTrustedHop(headers.get("x-forwarded-proto"), hops)?.toLowerCase();
  return {
    ip: fromTrustedHop(headers.get("x-forwarded-for"), hops) ?? socketAddress,
    protocol: proto === "https" || proto === "http" ? proto : req.url.startsWith("https:") ? "https" : "http",
    host:
      fromTrustedHop(headers.get("x-forwarded-host"), hops) ?? headers.get("host") ?? new URL(req.url).host,
  };
}
