import type { AnyRouter } from "@trpc/server";
import type { z } from "zod";

/**
 * Reads a procedure's input schema (zod 4) to build inputs that pass it, so a test can change one
 * field at a time and know that field is what the service sees. Understands the schema kinds the
 * contracts use; anything else fails loudly rather than being skipped.
 */

type Schema = z.core.$ZodType;
type Def = { type: string } & Record<string, unknown>;
const defOf = (schema: Schema) => schema._zod.def as unknown as Def;

export type Key = string | number;
export type Field = {
  path: Key[];
  /** What a hostile value replaces: text, a number, a closed set, or a container. */
  kind: "string" | "number" | "choice" | "object" | "array" | "record";
  /** The schema of the value at this path. */
  schema: Schema;
};

export type Procedure = {
  /** `user.addresses.add` */
  name: string;
  service: string;
  path: string;
  type: "query" | "mutation";
  input: Schema | undefined;
};

/** Every procedure of every service router, as tRPC itself lists them. */
export function proceduresOf(routers: Record<string, AnyRouter>): Procedure[] {
  return Object.entries(routers).flatMap(([service, router]) =>
    Object.entries(
      router._def.procedures as Record<string, { _def: { type: string; inputs: Schema[] } }>,
    ).map(([path, procedure]) => {
      const { type, inputs } = procedure._def;
      if (type !== "query" && type !== "mutation") throw new Error(`${service}.${path}: unexpected ${type}`);
      if (inputs.length > 1) throw new Error(`${service}.${path}: more than one input parser`);
      return { name: `${service}.${path}`, service, path, type, input: inputs[0] };
    }),
  );
}

/** A value for a field: given by the test (a real id, say), left out, or left to the sampler. */
export type FixtureFn = (path: Key[]) => { value: unknown } | "omit" | undefined;

const OMIT = Symbol("omit");

/**
 * Strings tried, in order, until one passes a string field's own schema: a short text, then shapes
 * that the contracts' patterns take (slugs, keys, payment method ids, country codes, SKUs).
 */
const stringCandidates = (n: number) => [
  "Sample",
  `sample-${n}-key`,
  "pm_card_visa",
  "DE",
  `SKU-${n}`,
  "standard",
  "correct horse battery",
];

/**
 * An input that passes the schema, with every optional field present where the schema allows, and
 * every field it has. `n` makes unique strings (emails, keys, slugs) differ between calls.
 */
export function samples(
  schema: Schema,
  fixtures: FixtureFn,
  n: number,
): { inputs: unknown[]; fields: Field[] } {
  const fields: Field[] = [];
  const optional: Key[][] = [];
  const seen = new Set<string>();
  const note = (path: Key[], kind: Field["kind"], s: Schema) => {
    const id = JSON.stringify(path);
    if (!seen.has(id)) {
      seen.add(id);
      fields.push({ path, kind, schema: s });
    }
  };

  function sample(s: Schema, path: Key[]): unknown {
    const fixture = fixtures(path);
    const def = defOf(s);
    if (fixture !== undefined && def.type !== "optional" && def.type !== "default") {
      walkOnly(s, path);
      return fixture === "omit" ? OMIT : fixture.value;
    }
    switch (def.type) {
      case "optional":
        optional.push(path);
        return sample(def.innerType as Schema, path);
      case "default":
      case "nullable":
        return sample(def.innerType as Schema, path);
      case "pipe":
        return sample(def.in as Schema, path);
      case "union":
        return sample((def.options as Schema[])[0]!, path);
      case "object": {
        note(path, "object", s);
        const value: Record<string, unknown> = {};
        for (const [key, field] of Object.entries(def.shape as Record<string, Schema>)) {
          const v = sample(field, [...path, key]);
          if (v !== OMIT) value[key] = v;
        }
        return value;
      }
      case "array": {
        note(path, "array", s);
        const v = sample(def.element as Schema, [...path, 0]);
        return v === OMIT ? [] : [v];
      }
      case "record": {
        note(path, "record", s);
        const key = sampleKey(def.keyType as Schema);
        const v = sample(def.valueType as Schema, [...path, String(key)]);
        return { [String(key)]: v };
      }
      case "string": {
        note(path, "string", s);
        const tries = def.format === "email" ? [`sample-${n}@example.test`] : stringCandidates(n);
        const found = tries.find((t) => ok(s, t));
        if (found === undefined) throw new Error(`no sample string passes the schema at ${path.join(".")}`);
        return found;
      }
      case "number": {
        note(path, "number", s);
        const found = [1, 0, 100].find((t) => ok(s, t));
        if (found === undefined) throw new Error(`no sample number passes the schema at ${path.join(".")}`);
        return found;
      }
      case "boolean":
        note(path, "choice", s);
        return false;
      case "enum":
        note(path, "choice", s);
        return Object.values(def.entries as Record<string, unknown>)[0];
      case "literal":
        note(path, "choice", s);
        return (def.values as unknown[])[0];
      default:
        throw new Error(`samples: no sampler for a ${def.type} schema at ${path.join(".") || "(input)"}`);
    }
  }

  /** A record's key: a string that passes the key schema (hostile keys are tried on the record itself). */
  function sampleKey(s: Schema): string {
    const found = stringCandidates(n).find((t) => ok(s, t));
    if (found === undefined) throw new Error("no sample string passes a record's key schema");
    return found;
  }

  /** Notes the fields under a fixture's path without sampling them (so they are fuzzed too). */
  function walkOnly(s: Schema, path: Key[]) {
    const def = defOf(s);
    if (def.type === "optional" || def.type === "default" || def.type === "nullable")
      return walkOnly(def.innerType as Schema, path);
    if (def.type === "pipe") return walkOnly(def.in as Schema, path);
    if (def.type === "string") return note(path, "string", s);
    if (def.type === "number") return note(path, "number", s);
    if (def.type === "object") {
      note(path, "object", s);
      for (const [key, field] of Object.entries(def.shape as Record<string, Schema>))
        walkOnly(field, [...path, key]);
    }
  }

  const top = defOf(schema);
  const roots =
    top.type === "union"
      ? (top.options as Schema[])
      : top.type === "default" && defOf(top.innerType as Schema).type === "union"
        ? (defOf(top.innerType as Schema).options as Schema[])
        : [schema];
  const inputs: unknown[] = [];
  for (const root of roots) {
    optional.length = 0;
    const full = sample(root, []);
    if (ok(schema, full)) {
      inputs.push(full);
      continue;
    }
    // A refinement ties optional fields together ("exactly one of addressId or shippingAddress"):
    // each input that passes with one of them left out.
    for (const path of optional) {
      const without = removeAt(full, path);
      if (ok(schema, without)) inputs.push(without);
    }
  }
  if (inputs.length === 0) throw new Error("samples: could not build an input that passes the schema");
  return { inputs, fields };
}

/** Whether `value` passes `s` (synchronously). */
export const ok = (s: Schema, value: unknown) => {
  const result = s["~standard"].validate(value);
  if (result instanceof Promise) throw new Error("samples: async schemas are not supported");
  return !result.issues;
};

/** A deep copy of `value` with `replacement` at `path` (created along the way if missing). */
export function setAt(value: unknown, path: Key[], replacement: unknown): unknown {
  if (path.length === 0) return replacement;
  const [head, ...rest] = path as [Key, ...Key[]];
  const copy = (
    Array.isArray(value) ? [...value] : { ...(typeof value === "object" && value !== null ? value : {}) }
  ) as Record<Key, unknown>;
  copy[head] = setAt(copy[head], rest, replacement);
  return copy;
}

export function getAt(value: unknown, path: Key[]): unknown {
  return path.reduce<unknown>((v, k) => (v as Record<Key, unknown> | undefined)?.[k], value);
}

function removeAt(value: unknown, path: Key[]): unknown {
  if (path.length === 0) return undefined;
  const parentPath = path.slice(0, -1);
  const parent = { ...(getAt(value, parentPath) as Record<Key, unknown>) };
  delete parent[path.at(-1)!];
  return setAt(value, parentPath, parent);
}
