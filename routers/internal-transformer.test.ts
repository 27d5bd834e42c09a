import { describe, expect, it } from "bun:test";
import superjson from "superjson";
import { internalTransformer } from "./internal-transformer.ts";

/** An envelope as the other process gets it: through JSON. */
const wire = (envelope: unknown) => JSON.parse(JSON.stringify(envelope));

const plainValues: unknown[] = [
  [["0192f5d2-7a00-7000-8000-000000000001", "0192f5d2-7a00-7000-8000-000000000002"]],
  [{ id: "v1", price: { amount: 1500, currency: "EUR" }, stock: 3, purchasable: true, image: null }],
  { lines: [], itemCount: 0, taxRate: 19.5, country: "DE", nested: { deeper: [1, "two", false] } },
  "a string",
  42,
  null,
];

const specialValues: unknown[] = [
  { id: "s1", expiresAt: new Date("2026-12-01T00:00:00Z"), renewed: false },
  [{ userId: "u1" }, undefined],
  { optional: undefined, kept: 1 },
  [Number.NaN, -0, Number.POSITIVE_INFINITY],
  new Map([["a", 1]]),
  undefined,
];

describe("the internal calls' transformer", () => {
  it("writes exactly what superjson writes for values JSON carries as they are", () => {
    for (const value of plainValues)
      expect(internalTransformer.serialize(value)).toEqual(superjson.serialize(value));
  });

  it("leaves dates, undefined, -0, NaN and Maps to superjson, which annotates them", () => {
    for (const value of specialValues) {
      const envelope = internalTransformer.serialize(value);
      expect(envelope).toEqual(superjson.serialize(value));
      expect(envelope.meta).toBeDefined();
    }
  });

  it("reads back what it writes and what superjson writes, dates as dates", () => {
    for (const value of [...plainValues, ...specialValues]) {
      expect(internalTransformer.deserialize(wire(internalTransformer.serialize(value)))).toEqual(value);
      expect(internalTransformer.deserialize(wire(superjson.serialize(value)))).toEqual(value);
      expect(superjson.deserialize(wire(internalTransformer.serialize(value)))).toEqual(value);
    }
    const session = internalTransformer.deserialize(
      wire(internalTransformer.serialize(specialValues[0])),
    ) as {
      expiresAt: Date;
    };
    expect(session.expiresAt).toBeInstanceOf(Date);
  });

  it("takes an envelope without annotations as it is, without superjson's deep copy", () => {
    const json = { lines: [{ variantId: "v1", quantity: 2 }] };
    expect(internalTransformer.deserialize({ json })).toBe(json);
  });

  it("leaves a value nested deeper than any contract to superjson", () => {
    let deep: unknown = "bottom";
    for (let i = 0; i < 70; i++) deep = [deep];
    expect(internalTransformer.serialize(deep)).toEqual(superjson.serialize(deep));
    expect(
      internalTransformer.deserialize(JSON.parse(JSON.stringify(internalTransformer.serialize(deep)))),
    ).toEqual(deep);
  });
});
