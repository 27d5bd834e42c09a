import { describe, expect, it } from "bun:test";
import superjson from "superjson";
import { deserializeInput, serializeOutput, UndecodableInputError } from "./transformer.ts";

const refusal = (payload: unknown) => {
  try {
    deserializeInput(payload);
  } catch (error) {
    return error;
  }
  throw new Error("expected the input to be refused");
};

describe("decoding client input", () => {
  it("reads back what the typed client writes: dates, undefined fields, NaN, shared objects", () => {
    const address = { city: "Berlin" };
    const input = {
      at: new Date("2026-01-02T03:04:05Z"),
      note: undefined,
      ratio: Number.NaN,
      a: address,
      b: address,
    };
    const decoded = deserializeInput(superjson.serialize(input)) as typeof input;
    expect(decoded.at).toEqual(input.at);
    expect("note" in decoded && decoded.note === undefined).toBe(true);
    expect(decoded.ratio).toBeNaN();
    expect(decoded.b).toEqual({ city: "Berlin" });
    expect(deserializeInput({ json: { email: "a@b.co" } })).toEqual({ email: "a@b.co" });
  });

  it("refuses at once a meta that superjson would walk until the stack overflows", () => {
    for (const values of [{ a: ["custom", "nope"] }, { a: "Date" }, "x", { a: ["Date", "children"] }]) {
      const started = performance.now();
      const error = refusal({ json: { a: 1 }, meta: { values } });
      expect(error).toBeInstanceOf(UndecodableInputError);
      expect(performance.now() - started).toBeLessThan(500); // superjson alone spends seconds here
    }
  });

  it("refuses value types no procedure accepts", () => {
    for (const type of ["bigint", "map", "set", "regexp", "Error", "URL"])
      expect((refusal({ json: { a: "1" }, meta: { values: { a: [type] } } }) as Error).message).toContain(
        type,
      );
    for (const composite of [
      ["custom", "x"],
      ["class", "X"],
      ["symbol", "s"],
      ["typed-array", "Uint8Array"],
    ])
      expect(refusal({ json: { a: 1 }, meta: { values: { a: [composite] } } })).toBeInstanceOf(
        UndecodableInputError,
      );
  });

  it("refuses input nested deeper than any procedure reads, before superjson copies it", () => {
    const deep = JSON.parse(`${"[".repeat(100_000)}${"]".repeat(100_000)}`);
    expect((refusal({ json: deep }) as Error).message).toBe("the input is nested more than 64 levels deep");
    expect(deserializeInput({ json: JSON.parse(`${"[".repeat(60)}${"]".repeat(60)}`) })).toBeArray();
  });

  it("refuses an input that refers to itself", () => {
    expect(refusal({ json: { a: {} }, meta: { referentialEqualities: [["a"]] } })).toBeInstanceOf(
      UndecodableInputError,
    );
    const loop = {
      json: { a: { d: null }, b: { c: null } },
      meta: { referentialEqualities: { a: ["b.c"], b: ["a.d"] } },
    };
    expect((refusal(loop) as Error).message).toBe("the input refers to itself");
  });

  it("refuses an oversized or malformed meta", () => {
    const many = Object.fromEntries(Array.from({ length: 1_001 }, (_, i) => [`k${i}`, ["undefined"]]));
    expect(refusal({ json: {}, meta: { values: many } })).toBeInstanceOf(UndecodableInputError);
    expect(refusal({ json: {}, meta: "x" })).toBeInstanceOf(UndecodableInputError);
    expect(refusal({ json: {}, meta: { referentialEqualities: { a: "b" } } })).toBeInstanceOf(
      UndecodableInputError,
    );
  });
});

describe("encoding answers", () => {
  class Point {
    constructor(readonly x: number) {}
  }
  const plain = {
    id: "01a2",
    lines: [{ quantity: 2, unitPrice: { amount: 1200, currency: "EUR" }, tags: [] }],
    note: null,
    paid: false,
    nested: [[[{ deep: "yes" }]]],
    bare: Object.assign(Object.create(null), { k: 1 }),
  };
  const annotated: Record<string, unknown> = {
    "a date": { at: new Date("2026-01-02T03:04:05Z") },
    "an undefined field": { note: undefined, id: "x" },
    "an undefined item": [1, undefined],
    NaN: { ratio: Number.NaN },
    Infinity: [Number.POSITIVE_INFINITY],
    "-0": { zero: -0 },
    "a bigint": { n: 10n },
    "a Map": { m: new Map([["a", 1]]) },
    "a Set": new Set([1]),
  };
  /** Not plain either: superjson decides (it writes both without meta). */
  const unusual: Record<string, unknown> = {
    "a class instance": { p: new Point(1) },
    "a value nested past the depth limit": JSON.parse(`${"[".repeat(70)}1${"]".repeat(70)}`),
  };

  it("writes exactly what superjson writes for a plain answer, without meta", () => {
    expect(serializeOutput(plain)).toEqual(superjson.serialize(plain));
    expect(serializeOutput(plain)).toEqual({ json: plain });
    expect(serializeOutput("text")).toEqual(superjson.serialize("text"));
    expect(serializeOutput(null)).toEqual(superjson.serialize(null));
  });

  for (const [what, value] of Object.entries(annotated))
    it(`leaves an answer with ${what} to superjson, which annotates it`, () => {
      expect(serializeOutput(value)).toEqual(superjson.serialize(value));
      expect(serializeOutput(value).meta).toBeDefined();
    });
  for (const [what, value] of Object.entries(unusual))
    it(`leaves an answer with ${what} to superjson`, () => {
      expect(serializeOutput(value)).toEqual(superjson.serialize(value));
    });

  it("writes shared objects as equal copies that read back equal", () => {
    const price = { amount: 500, currency: "EUR" };
    const answer = { unitPrice: price, lineTotal: price };
    const encoded = serializeOutput(answer);
    expect(encoded.meta).toBeUndefined();
    expect(superjson.deserialize(JSON.parse(JSON.stringify(encoded)))).toEqual(answer);
  });
});
