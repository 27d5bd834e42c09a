/**
 * JSON Schema (as `z.toJSONSchema` writes it) read back as a short TypeScript-like type, with each
 * field's rules in a comment, for people: `{ limit?: integer; // 1–100, default 24 }`. The JSON
 * Schema itself stays in reference.json for tools.
 */
export type JsonSchema = {
  type?: string | string[];
  properties?: Record<string, JsonSchema>;
  required?: string[];
  additionalProperties?: boolean | JsonSchema;
  items?: JsonSchema;
  anyOf?: JsonSchema[];
  oneOf?: JsonSchema[];
  allOf?: JsonSchema[];
  enum?: unknown[];
  const?: unknown;
  format?: string;
  pattern?: string;
  minLength?: number;
  maxLength?: number;
  minimum?: number;
  maximum?: number;
  exclusiveMinimum?: number;
  exclusiveMaximum?: number;
  minItems?: number;
  maxItems?: number;
  default?: unknown;
  description?: string;
};

const SAFE = Number.MAX_SAFE_INTEGER;

const range = (lo: number | undefined, hi: number | undefined, unit = "") => {
  const low = lo === undefined || lo <= -SAFE ? undefined : lo;
  const high = hi === undefined || hi >= SAFE ? undefined : hi;
  if (low !== undefined && high !== undefined)
    return low === high ? `${low}${unit}` : `${low}–${high}${unit}`;
  if (low !== undefined) return `≥ ${low}${unit}`;
  if (high !== undefined) return `≤ ${high}${unit}`;
  return undefined;
};

/** The rules a type name does not say: lengths, ranges, formats, patterns, defaults, descriptions. */
function notes(schema: JsonSchema): string[] {
  const out: string[] = [];
  if (schema.description) out.push(schema.description);
  if (schema.format) out.push(schema.format);
  const chars = range(schema.minLength, schema.maxLength, " chars");
  if (chars) out.push(chars);
  if (schema.pattern && !schema.format) out.push(`/${schema.pattern}/`);
  const values = range(schema.minimum ?? schema.exclusiveMinimum, schema.maximum ?? schema.exclusiveMaximum);
  if (values) out.push(values);
  const items = range(schema.minItems, schema.maxItems, " items");
  if (items) out.push(items);
  if (schema.default !== undefined) out.push(`default ${JSON.stringify(schema.default)}`);
  return out;
}

const pad = (depth: number) => "  ".repeat(depth);
const key = (name: string) => (/^[A-Za-z_$][\w$]*$/.test(name) ? name : JSON.stringify(name));

/** The type of `schema`, at `depth` levels of indentation (notes of nested fields go on their lines). */
export function schemaText(schema: JsonSchema, depth = 0): string {
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives) {
    return alternatives.map((s) => schemaText(s, depth)).join(" | ");
  }
  if (schema.allOf) return schema.allOf.map((s) => schemaText(s, depth)).join(" & ");
  if (schema.const !== undefined) return JSON.stringify(schema.const);
  if (schema.enum) return schema.enum.map((v) => JSON.stringify(v)).join(" | ");
  const type = Array.isArray(schema.type) ? schema.type.join(" | ") : schema.type;
  switch (type) {
    case "object":
      return objectText(schema, depth);
    case "array": {
      const items = schema.items;
      if (!items) return "unknown[]";
      const union = Boolean(items.anyOf ?? items.oneOf ?? items.allOf) || (items.enum?.length ?? 0) > 1;
      return union ? `(${schemaText(items, depth)})[]` : `${schemaText(items, depth)}[]`;
    }
    case undefined:
      return "unknown";
    default:
      return type;
  }
}

function objectText(schema: JsonSchema, depth: number): string {
  const properties = Object.entries(schema.properties ?? {});
  const extra = schema.additionalProperties;
  if (properties.length === 0) {
    if (extra && typeof extra === "object") return `{ [key: string]: ${schemaText(extra, depth)} }`;
    return "{}";
  }
  const required = new Set(schema.required ?? []);
  const lines = properties.map(([name, property]) => {
    const comment = notes(property);
    return `${pad(depth + 1)}${key(name)}${required.has(name) ? "" : "?"}: ${schemaText(property, depth + 1)};${
      comment.length ? ` // ${comment.join(", ")}` : ""
    }`;
  });
  return `{\n${lines.join("\n")}\n${pad(depth)}}`;
}

/** `schemaText` plus the top level's own notes (a whole input's default, say). */
export function describeSchema(schema: JsonSchema): string {
  const top = notes(schema);
  return `${schemaText(schema)}${top.length ? ` // ${top.join(", ")}` : ""}`;
}

/** A starting point for a hand-written input: the required fields, each with a plausible value. */
export function exampleFor(schema: JsonSchema): unknown {
  if (schema.default !== undefined) return schema.default;
  const alternatives = schema.anyOf ?? schema.oneOf;
  if (alternatives?.[0]) return exampleFor(alternatives[0]);
  if (schema.const !== undefined) return schema.const;
  if (schema.enum) return schema.enum[0];
  switch (Array.isArray(schema.type) ? schema.type[0] : schema.type) {
    case "object":
      return Object.fromEntries(
        (schema.required ?? []).map((name) => [name, exampleFor(schema.properties?.[name] ?? {})]),
      );
    case "array":
      return [];
    case "integer":
    case "number":
      return Math.max(schema.minimum ?? 0, 0);
    case "boolean":
      return false;
    case "string":
      return schema.format === "uuid" ? "00000000-0000-0000-0000-000000000000" : "";
    default:
      return null;
  }
}
