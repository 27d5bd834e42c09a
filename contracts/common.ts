import { z } from "zod";

/** Every id in fastr is a UUID (v7 when we mint it, so ids sort by creation time). */
export const Id = z.uuid({ message: "expected a UUID" });
export type Id = z.infer<typeof Id>;

/** The largest value a Postgres `integer` column holds; every amount, count and quantity fastr stores fits. */
export const INT_MAX = 2_147_483_647;

/**
 * A whole number from `min` to `max` (never above INT_MAX): how every contract takes amounts, counts,
 * quantities and limits, so no number a caller sends can overflow a column.
 * @example const Quantity = wholeNumber(1, 999);
 */
export function wholeNumber(min: number, max: number = INT_MAX) {
  if (max > INT_MAX) throw new Error(`wholeNumber: ${max} does not fit an integer column (max ${INT_MAX})`);
  return z
    .int({ message: "expected a whole number" })
    .min(min, { message: `must be at least ${min}` })
    .max(max, { message: `must be at most ${max}` });
}

/** An amount of money in minor units (cents): at most INT_MAX, about 21 million in the major unit. */
export const MinorUnits = wholeNumber(0);

/** An e-mail address, as a person types it: checked, trimmed and lower-cased. */
export const EmailAddress = z
  .email({ message: "expected an email address" })
  .max(254)
  .transform((e) => e.trim().toLowerCase());

export const Password = z
  .string()
  .min(8, { message: "a password has at least 8 characters" })
  .max(256, { message: "a password has at most 256 characters" });

export type TextRule = {
  max: number;
  /** At least this many characters once trimmed (`1`: must not be empty). */
  min?: number;
  /** Keeps line feeds and tabs (descriptions); everything else is one line. */
  multiline?: boolean;
};

/**
 * What every contract accepts as text a person typed (ADR 040): NFC-normalised and trimmed, then
 * refused if it holds an unpaired UTF-16 surrogate (Postgres cannot store it in jsonb), a control
 * character (NUL cannot be stored at all, the rest corrupt logs and e-mails; multi-line text keeps
 * line feeds and tabs, and CR LF becomes LF) or a bidirectional embedding, override or isolate
 * control (it makes text display as other text than it is). `min`/`max` count UTF-16 code units.
 * @example const Title = text({ min: 1, max: 200 }); const Description = text({ max: 10_000, multiline: true });
 */
export function text({ min = 0, max, multiline = false }: TextRule) {
  const forbidden = multiline ? MULTILINE_FORBIDDEN : SINGLE_LINE_FORBIDDEN;
  let schema = z.string().refine((s) => !LONE_SURROGATE.test(s), {
    message: "contains a broken character (an unpaired UTF-16 surrogate)",
    abort: true,
  });
  if (multiline) schema = schema.overwrite((s) => s.replace(/\r\n?/g, "\n"));
  schema = schema
    .normalize("NFC")
    .trim()
    .superRefine((s, ctx) => {
      const found = forbidden.exec(s)?.[0];
      if (found !== undefined)
        ctx.addIssue({
          code: "custom",
          message: `must not contain ${describeCharacter(found, multiline)}`,
          input: s,
          continue: false,
        });
    });
  if (min > 0)
    schema = schema.min(min, {
      message: min === 1 ? "must not be empty" : `must have at least ${min} characters`,
    });
  return schema.max(max, { message: `must have at most ${max} characters` });
}

/** In unicode mode a well-formed pair is one code point outside this range: only a lone half matches. */
const LONE_SURROGATE = /[\uD800-\uDFFF]/u;
/** Bidirectional embeddings, overrides and isolates (U+202A–U+202E, U+2066–U+2069). */
const BIDI_CONTROL = /[\u202A-\u202E\u2066-\u2069]/;
const SINGLE_LINE_FORBIDDEN = /[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;
/** Control characters but tab, line feed and carriage return (which becomes a line feed). */
const MULTILINE_FORBIDDEN = /(?![\t\n\r])[\p{Cc}\u202A-\u202E\u2066-\u2069]/u;

function describeCharacter(c: string, multiline: boolean) {
  const code = `U+${c.codePointAt(0)!.toString(16).toUpperCase().padStart(4, "0")}`;
  if (c === "\n" || c === "\r") return `a line break (${code}); this field is one line`;
  if (c === "\t") return `a tab (${code})`;
  if (BIDI_CONTROL.test(c)) return `bidirectional control characters (${code})`;
  return `control characters (${code}${multiline ? "; only line breaks and tabs are allowed" : ""})`;
}

export const PersonName = text({ min: 1, max: 120 });

export const Slug = z
  .string()
  .min(1)
  .max(120)
  .regex(/^[a-z0-9]+(?:-[a-z0-9]+)*$/, { message: "expected a lowercase slug like 'linen-shirt'" });

/** Opaque pagination cursor: whatever the service encoded, base64url. */
export const Cursor = z
  .string()
  .max(512)
  .regex(/^[A-Za-z0-9_-]+$/, { message: "not a cursor this API issued" });

/**
 * tRPC's infinite queries (`@trpc/tanstack-react-query`) add the direction they page in to every
 * cursor-paged input. Paging here is forward only; the field is accepted so those clients work, and ignored.
 */
export const PagingDirection = z.enum(["forward", "backward"]).optional();

export const Role = z.enum(["customer", "staff"]);
export type Role = z.infer<typeof Role>;
