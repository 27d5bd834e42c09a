import type { z } from "zod";

/** base64url without padding, as Node's `Buffer` writes it, but with what every browser has. */
function toBase64Url(text: string): string {
  let binary = "";
  for (const byte of new TextEncoder().encode(text)) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, "");
}

function fromBase64Url(raw: string): string {
  const binary = atob(raw.replace(/-/g, "+").replace(/_/g, "/"));
  return new TextDecoder().decode(Uint8Array.from(binary, (c) => c.charCodeAt(0)));
}

/**
 * An opaque pagination cursor: base64url JSON of a value `schema` describes. Decoding checks the
 * value against the schema, so a crafted cursor (a non-UUID id, a huge or fractional number, a NUL)
 * ends as `invalid()` — a BAD_REQUEST domain error — before any of it reaches SQL.
 * @example
 * const cursors = cursorCodec(z.int().min(1), () => new DomainError("BAD_REQUEST", "ORDER.BAD_CURSOR", "…"));
 * const before = cursors.decode(input.cursor); const next = cursors.encode(last.number);
 */
export function cursorCodec<S extends z.ZodType>(schema: S, invalid: () => Error) {
  return {
    encode: (value: z.output<S>): string => toBase64Url(JSON.stringify(value)),
    decode(raw: string): z.output<S> {
      let value: unknown;
      try {
        value = JSON.parse(fromBase64Url(raw));
      } catch {
        throw invalid();
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw invalid();
      return parsed.data;
    },
  };
}
