import { describe, expect, it } from "bun:test";
import { z } from "zod";
import { cursorCodec } from "./cursor.ts";

const invalid = () => new Error("not a cursor this API issued");
const cursors = cursorCodec(z.strictObject({ at: z.iso.datetime(), id: z.string() }), invalid);
const page = { at: "2026-01-01T00:00:00.000Z", id: "Café ☕ 🙂" };

describe("cursors", () => {
  it("round-trip, and read the same as base64url JSON written by Node's Buffer", () => {
    const encoded = cursors.encode(page);
    expect(encoded).toBe(Buffer.from(JSON.stringify(page)).toString("base64url"));
    expect(cursors.decode(encoded)).toEqual(page);
  });

  it("refuse anything that is not a value of the schema", () => {
    for (const raw of [
      "x",
      "%%%",
      Buffer.from("not json").toString("base64url"),
      Buffer.from(JSON.stringify({ ...page, at: "yesterday" })).toString("base64url"),
    ]) {
      expect(() => cursors.decode(raw)).toThrow("not a cursor this API issued");
    }
  });
});
