import { describe, expect, it } from "bun:test";
import { INT_MAX, text, wholeNumber } from "./common.ts";
import { Money } from "./money.ts";

const issue = (
  schema: { safeParse: (v: unknown) => { error?: { issues: { message: string }[] } } },
  v: unknown,
) => schema.safeParse(v).error?.issues.map((i) => i.message);

describe("text fields", () => {
  const name = text({ min: 1, max: 10 });
  const description = text({ max: 50, multiline: true });

  it("stores what was typed, NFC-normalised and trimmed", () => {
    expect(name.parse("  Cafe\u0301 ")).toBe("Caf\u00e9");
    expect(name.parse("\u05E9\u05DC\u05D5\u05DD")).toBe("\u05E9\u05DC\u05D5\u05DD");
    expect(name.parse("a\u200Db")).toBe("a\u200Db"); // zero-width joiners make emoji and some scripts
    expect(name.parse("\u{1F642}")).toBe("\u{1F642}"); // a surrogate pair is one character, well formed
  });

  it("refuses NUL and other control characters, naming the code point", () => {
    expect(issue(name, "Ada\u0000")).toEqual(["must not contain control characters (U+0000)"]);
    expect(issue(name, "a\u001bb")).toEqual(["must not contain control characters (U+001B)"]);
    expect(issue(name, "a\u0085b")).toEqual(["must not contain control characters (U+0085)"]);
    expect(issue(name, "a\tb")).toEqual(["must not contain a tab (U+0009)"]);
  });

  it("refuses unpaired surrogates, which Postgres cannot store in jsonb", () => {
    expect(issue(name, "\ud800")).toEqual(["contains a broken character (an unpaired UTF-16 surrogate)"]);
    expect(issue(name, "x\udfff")).toEqual(["contains a broken character (an unpaired UTF-16 surrogate)"]);
    expect(issue(name, "\udc00\ud800")).toHaveLength(1);
  });

  it("refuses bidirectional overrides that make text display as other text", () => {
    expect(issue(name, "\u202Egnp.exe")).toEqual([
      "must not contain bidirectional control characters (U+202E)",
    ]);
    expect(issue(name, "a\u2066b")).toEqual(["must not contain bidirectional control characters (U+2066)"]);
  });

  it("keeps one-line text on one line, but lets multi-line text keep line feeds and tabs", () => {
    expect(issue(name, "a\nb")).toEqual(["must not contain a line break (U+000A); this field is one line"]);
    expect(name.parse("Ada\n")).toBe("Ada"); // trailing whitespace is trimmed, not refused
    expect(description.parse("one\r\ntwo\tcols\rthree")).toBe("one\ntwo\tcols\nthree");
    expect(issue(description, "a\u0000")).toEqual([
      "must not contain control characters (U+0000; only line breaks and tabs are allowed)",
    ]);
  });

  it("counts length after trimming and refuses blank required text", () => {
    expect(issue(name, "   ")).toEqual(["must not be empty"]);
    expect(issue(name, "x".repeat(11))).toEqual(["must have at most 10 characters"]);
    expect(issue(name, "a".repeat(70_000))).toEqual(["must have at most 10 characters"]);
  });
});

describe("whole numbers", () => {
  it("fit a Postgres integer column", () => {
    expect(Money.parse({ amount: INT_MAX, currency: "EUR" }).amount).toBe(2_147_483_647);
    for (const amount of [2 ** 31, 2 ** 53 + 1, 1e308, -1, 1.5, Number.NaN, Number.POSITIVE_INFINITY]) {
      expect(Money.safeParse({ amount, currency: "EUR" }).success).toBe(false);
    }
  });

  it("say what is wrong in words", () => {
    expect(issue(wholeNumber(1, 999), 1.5)).toEqual(["expected a whole number"]);
    expect(issue(wholeNumber(1, 999), 0)).toEqual(["must be at least 1"]);
    expect(issue(wholeNumber(1, 999), 1000)).toEqual(["must be at most 999"]);
  });

  it("cannot be declared wider than the column", () => {
    expect(() => wholeNumber(0, 2 ** 31)).toThrow("does not fit an integer column");
  });
});
