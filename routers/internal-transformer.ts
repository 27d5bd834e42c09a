import superjson from "superjson";

/** How deep a value is looked into before superjson is left to encode it (no contract nests this far). */
const MAX_PLAIN_DEPTH = 32;

/**
 * True when JSON carries `value` exactly as superjson would without annotations: strings, finite
 * numbers (not -0), booleans, null, arrays and plain objects of those. Anything else (a Date, an
 * `undefined`, a Map, a class instance…) makes superjson write `meta`, so it is left to superjson.
 */
function plain(value: unknown, depth = 0): boolean {
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (depth > MAX_PLAIN_DEPTH) return false;
      if (Array.isArray(value)) {
        for (const item of value) if (!plain(item, depth + 1)) return false;
        return true;
      }
      const proto = Object.getPrototypeOf(value);
      if (proto !== Object.prototype && proto !== null) return false;
      for (const key in value) if (!plain((value as Record<string, unknown>)[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

type Envelope = { json: unknown; meta?: unknown };

/**
 * superjson's wire format for service-to-service calls, without its cost where it adds nothing
 * (ADR 177): a value JSON carries as it is goes as `{ json: value }` — what superjson writes for it —
 * after one cheap look, instead of superjson's annotated walk; anything else (dates, `undefined`…)
 * is encoded by superjson. Reading, an envelope without `meta` is taken as it is (it was just parsed,
 * so superjson's defensive deep copy buys nothing); one with `meta` is decoded by superjson. Both
 * directions stay readable by a process still using superjson, so instances can be updated one at a time.
 * @example httpLink({ url, transformer: internalTransformer })
 */
export const internalTransformer = {
  serialize: (value: unknown): Envelope => (plain(value) ? { json: value } : superjson.serialize(value)),
  deserialize: (payload: Envelope): unknown =>
    payload && typeof payload === "object" && payload.meta === undefined
      ? payload.json
      : superjson.deserialize(payload as Parameters<typeof superjson.deserialize>[0]),
};
