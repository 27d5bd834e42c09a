import { describe, expect, it } from "bun:test";
import superjson from "superjson";
import { deserializeInput, UndecodableInputError } from "./transformer.ts";

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
