import superjson from "superjson";

/** Deeper than any input a procedure accepts; deeper values are refused before superjson copies them. */
const MAX_DEPTH = 64;
/** More annotated values than any real input carries. */
const MAX_ANNOTATIONS = 1_000;
/** The superjson value types an input may use (optional fields, dates, NaN/-0); nothing else validates. */
const INPUT_TYPES = new Set(["undefined", "Date", "number"]);

/** Thrown for a payload superjson would mishandle; the error formatter turns it into a BAD_REQUEST. */
export class UndecodableInputError extends Error {
  override readonly name = "UndecodableInputError";
}

const isRecord = (v: unknown): v is Record<string, unknown> =>
  typeof v === "object" && v !== null && !Array.isArray(v);

/** Walks a value without recursion; throws when it is nested deeper than MAX_DEPTH. */
function assertShallow(value: unknown) {
  const stack: [unknown, number][] = [[value, 0]];
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (depth >= MAX_DEPTH)
      throw new UndecodableInputError(`the input is nested more than ${MAX_DEPTH} levels deep`);
    for (const child of Object.values(node)) stack.push([child, depth + 1]);
  }
}

/**
 * superjson walks `meta.values` trusting its shape: a string where it expects a subtree makes it
 * recurse until the stack overflows, seconds of blocked event loop for a 60-byte request. Only the
 * shape the typed client writes passes: records of nodes, each node `[type]` or `[type, record]`.
 */
function assertValueAnnotations(values: unknown) {
  const stack: [unknown, number][] = [[values, 0]];
  let count = 0;
  while (stack.length > 0) {
    const [node, depth] = stack.pop()!;
    if (node === undefined || node === null) continue;
    if (++count > MAX_ANNOTATIONS || depth > MAX_DEPTH)
      throw new UndecodableInputError("the input's superjson meta is larger than any input needs");
    if (isRecord(node)) {
      for (const child of Object.values(node)) stack.push([child, depth + 1]);
      continue;
    }
    if (
      !Array.isArray(node) ||
      node.length < 1 ||
      node.length > 2 ||
      (node.length === 2 && !isRecord(node[1]))
    )
      throw new UndecodableInputError("the input's superjson meta is malformed");
    if (typeof node[0] !== "string" || !INPUT_TYPES.has(node[0]))
      throw new UndecodableInputError(
        `the input uses a value type no procedure accepts (${JSON.stringify(node[0])})`,
      );
    if (node.length === 2) stack.push([node[1], depth + 1]);
  }
}

/** Shared references are fine; a reference back to an ancestor is a cycle no input may contain. */
function assertAcyclic(value: unknown) {
  const onPath = new Set<object>();
  const stack: [unknown, boolean][] = [[value, false]];
  while (stack.length > 0) {
    const [node, leaving] = stack.pop()!;
    if (typeof node !== "object" || node === null) continue;
    if (leaving) {
      onPath.delete(node);
      continue;
    }
    if (onPath.has(node)) throw new UndecodableInputError("the input refers to itself");
    onPath.add(node);
    stack.push([node, true]);
    for (const child of Object.values(node)) stack.push([child, false]);
  }
}

/**
 * Decodes a client's `{ json, meta }` input with superjson, after refusing what superjson mishandles:
 * values nested deeper than any input, malformed or oversized `meta`, value types no input uses,
 * and shared-reference annotations that would make the input a cycle.
 * @example deserializeInput({ json: { email: "a@b.co" } }) // { email: "a@b.co" }
 */
export function deserializeInput(payload: unknown): unknown {
  if (!isRecord(payload)) return superjson.deserialize(payload as never);
  assertShallow(payload.json);
  const meta = payload.meta;
  if (meta === undefined) return superjson.deserialize(payload as never);
  if (!isRecord(meta)) throw new UndecodableInputError("the input's superjson meta is malformed");
  assertValueAnnotations(meta.values);
  const shared = meta.referentialEqualities;
  if (shared !== undefined) {
    // The root form ([paths equal to the whole input, …]) is always a cycle.
    if (!isRecord(shared)) throw new UndecodableInputError("the input refers to itself");
    const paths = Object.values(shared);
    if (
      paths.length > MAX_ANNOTATIONS ||
      !paths.every((p) => Array.isArray(p) && p.every((s) => typeof s === "string"))
    )
      throw new UndecodableInputError("the input's superjson meta is malformed");
  }
  const value = superjson.deserialize(payload as never);
  if (shared !== undefined) assertAcyclic(value);
  return value;
}

const isPlainObject = (value: object) => {
  const proto = Object.getPrototypeOf(value);
  return proto === Object.prototype || proto === null;
};

/**
 * Whether superjson has nothing to annotate in `value`: only strings, booleans, null, finite numbers
 * (not -0) in arrays and plain objects, no undefined, nested at most MAX_DEPTH. Shared references are
 * allowed: the client gets equal copies instead of one object, which JSON readers get anyway.
 */
function isPlainJson(value: unknown, depth = 0): boolean {
  // Recursion, bounded by MAX_DEPTH: an explicit stack allocated a [node, depth] pair per node.
  switch (typeof value) {
    case "string":
    case "boolean":
      return true;
    case "number":
      return Number.isFinite(value) && !Object.is(value, -0);
    case "object": {
      if (value === null) return true;
      if (depth >= MAX_DEPTH) return false;
      if (Array.isArray(value)) {
        for (const item of value) if (!isPlainJson(item, depth + 1)) return false;
        return true;
      }
      if (!isPlainObject(value)) return false;
      for (const key in value)
        if (!isPlainJson((value as Record<string, unknown>)[key], depth + 1)) return false;
      return true;
    }
    default:
      return false;
  }
}

/**
 * An answer as superjson writes it, without superjson's walk when there is nothing to annotate (most
 * answers: money, ids and text): that walk was a tenth of a cart read's CPU.
 * @example serializeOutput({ total: { amount: 1200 } }) // { json: { total: { amount: 1200 } } }
 */
export function serializeOutput(value: unknown) {
  return isPlainJson(value) ? { json: value as never } : superjson.serialize(value);
}

/** superjson both ways, with client input decoded by `deserializeInput` and answers written by `serializeOutput`. */
export const transformer = {
  input: { serialize: (value: unknown) => superjson.serialize(value), deserialize: deserializeInput },
  output: {
    serialize: serializeOutput,
    deserialize: (value: unknown) => superjson.deserialize(value as never),
  },
};
