import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { GoMap, goJson, goJsonString } from "../../src/util/go-json.js";

/**
 * The encoder's fast paths (a string with nothing to escape written as it is; map keys without
 * surrogates sorted as JavaScript sorts strings) must give the same bytes as the general rules:
 * JSON.stringify with lone surrogates as U+FFFD and `<>&` U+2028 U+2029 escaped, and keys sorted
 * by their UTF-8 bytes.
 */

const reference = (s: string) =>
  JSON.stringify(s.replace(/[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g, "\uFFFD")).replace(/[<>&\u2028\u2029]/g, (c) => `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`);
const byUtf8 = (a: string, b: string) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

// Strings rich in what matters: ASCII, controls, quotes, HTML characters, U+2028/9, BMP above
// U+E000, astral characters and lone surrogates.
const interesting = fc.oneof(
  fc.string({ unit: "grapheme-composite" }),
  fc.string({ unit: fc.constantFrom("a", "Z", "\"", "\\", "<", ">", "&", "\u0000", "\u001f", "\u007f", "\u2028", "\u2029", "\uE000", "\uFFFF", "\uD83D", "\uDE00", "😀", "é") }),
  fc.string({ unit: "binary" }),
);

describe("go-json fast paths", () => {
  it("writes every string as the general rule does", () => {
    fc.assert(fc.property(interesting, (s) => {
        expect(goJsonString(s)).toBe(reference(s));
      }), { numRuns: 2000 });
  });

  it("sorts map keys by their UTF-8 bytes", () => {
    fc.assert(
      fc.property(fc.uniqueArray(interesting, { maxLength: 12 }), (keys) => {
        const out = goJson(new GoMap(new Map(keys.map((k) => [k, 1]))));
        const expected = `{${[...keys].sort(byUtf8).map((k) => `${reference(k)}:1`).join(",")}}`;
        expect(out).toBe(expected);
      }),
      { numRuns: 1000 },
    );
  });
});
