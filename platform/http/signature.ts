import { createHash, createHmac, timingSafeEqual } from "node:crypto";

/** Headers that carry the internal credential. */
export const SIGNATURE_HEADERS = {
  timestamp: "x-fastr-timestamp",
  nonce: "x-fastr-nonce",
  signature: "x-fastr-signature",
} as const;

/** How far a signed request's clock may be from ours, either way; also how long nonces are remembered. */
export const SIGNATURE_WINDOW_MS = 30_000;

const canonical = (method: string, pathAndQuery: string, body: string, timestamp: string, nonce: string) =>
  [
    method.toUpperCase(),
    pathAndQuery,
    createHash("sha256").update(body).digest("hex"),
    timestamp,
    nonce,
  ].join("\n");

const mac = (secret: string, text: string) => createHmac("sha256", secret).update(text).digest("base64url");

/**
 * Headers that prove a request comes from a fastr service holding the shared secret: an HMAC-SHA256
 * over method, path with query, body hash, timestamp and a one-time nonce.
 * @example fetch(url, { method: "POST", body, headers: signRequest(secret, "POST", "/internal/product/trpc/reserve", body) })
 */
export function signRequest(
  secret: string,
  method: string,
  pathAndQuery: string,
  body: string,
  now = Date.now(),
) {
  const timestamp = String(now);
  const nonce = crypto.randomUUID();
  return {
    [SIGNATURE_HEADERS.timestamp]: timestamp,
    [SIGNATURE_HEADERS.nonce]: nonce,
    [SIGNATURE_HEADERS.signature]: mac(secret, canonical(method, pathAndQuery, body, timestamp, nonce)),
  };
}

export type SignatureVerdict =
  | { ok: true; nonce: string }
  | { ok: false; reason: "missing" | "stale" | "forged" };

/** Checks a signed request's headers; the caller still has to refuse a nonce it has seen before. */
export function verifyRequest(
  secret: string,
  request: {
    method: string;
    pathAndQuery: string;
    body: string;
    header(name: string): string | undefined | null;
  },
  now = Date.now(),
): SignatureVerdict {
  const timestamp = request.header(SIGNATURE_HEADERS.timestamp);
  const nonce = request.header(SIGNATURE_HEADERS.nonce);
  const signature = request.header(SIGNATURE_HEADERS.signature);
  if (!timestamp || !nonce || !signature) return { ok: false, reason: "missing" };
  const sentAt = Number(timestamp);
  if (!Number.isSafeInteger(sentAt) || Math.abs(now - sentAt) > SIGNATURE_WINDOW_MS)
    return { ok: false, reason: "stale" };
  const expected = Buffer.from(
    mac(secret, canonical(request.method, request.pathAndQuery, request.body, timestamp, nonce)),
  );
  const given = Buffer.from(signature);
  if (given.length !== expected.length || !timingSafeEqual(given, expected))
    return { ok: false, reason: "forged" };
  return { ok: true, nonce };
}
