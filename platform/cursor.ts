import type { z } from "zod";

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
    encode: (value: z.output<S>): string => Buffer.from(JSON.stringify(value)).toString("base64url"),
    decode(raw: string): z.output<S> {
      let value: unknown;
      try {
        value = JSON.parse(Buffer.from(raw, "base64url").toString("utf8"));
      } catch {
        throw invalid();
      }
      const parsed = schema.safeParse(value);
      if (!parsed.success) throw invalid();
      return parsed.data;
    },
  };
}
