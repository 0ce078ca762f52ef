import fc from "fast-check";
import { describe, expect, it } from "vitest";
import { parseDotenv, withoutEntries } from "../../src/dotenv-import/dotenv.js";
import { formatEnvironment } from "../../src/secrets/env-format.js";
import { SecretsError } from "../../src/errors.js";

/** The .env reader of `secrets import`: the dialect people write, and rewriting without some entries. */

describe("parseDotenv", () => {
  it("reads the usual forms", () => {
    const text = [
      "# comment",
      "",
      "PLAIN=value",
      "export EXPORTED=yes",
      "SPACED = around equals  ",
      "INLINE=value # a comment",
      "HASH=no#comment",
      "SINGLE='it is $literal \\n'",
      'DOUBLE="line1\\nline2 \\"q\\" \\\\ end"',
      "BACKTICK=`x 'y' \"z\"`",
      'MULTI="-----BEGIN KEY-----',
      "abc",
      '-----END KEY-----"',
      "EMPTY=",
      "QUOTED_EMPTY=''",
      "CRLF=windows\r",
      "DOTTED.NAME-1=ok",
      "LAST=no newline",
    ].join("\n");
    const got = Object.fromEntries(parseDotenv(text).map((e) => [e.key, e.value]));
    expect(got).toEqual({
      PLAIN: "value",
      EXPORTED: "yes",
      SPACED: "around equals",
      INLINE: "value",
      HASH: "no#comment",
      SINGLE: "it is $literal \\n",
      DOUBLE: 'line1\nline2 "q" \\ end',
      BACKTICK: `x 'y' "z"`,
      MULTI: "-----BEGIN KEY-----\nabc\n-----END KEY-----",
      EMPTY: "",
      QUOTED_EMPTY: "",
      CRLF: "windows",
      "DOTTED.NAME-1": "ok",
      LAST: "no newline",
    });
    expect(parseDotenv(text).find((e) => e.key === "MULTI")!.line).toBe(11);
  });

  it("fails with a line number and without the line", () => {
    const bad = (t: string) => {
      try {
        parseDotenv(t);
      } catch (e) {
        expect(e).toBeInstanceOf(SecretsError);
        return (e as Error).message;
      }
      throw new Error("no error");
    };
    expect(bad("A=1\nthis is not an entry s3cr3t\n")).toBe("line 2: expected NAME=value");
    expect(bad('A=1\nB="never closed s3cr3t\n')).toBe("line 2: unterminated quoted value of B");
    expect(bad("A='x' s3cr3t\n")).toBe("line 1: unexpected text after the closing quote of A");
  });

  it("withoutEntries drops exactly the chosen entries' lines", () => {
    const text = "# top\nA=1\nB='multi\nline'\n\n# keep me\nC=3\nB=again";
    const entries = parseDotenv(text);
    expect(withoutEntries(text, entries, (e) => e.key === "B")).toBe("# top\nA=1\n\n# keep me\nC=3\n");
    expect(withoutEntries(text, entries, () => false)).toBe(text);
  });

  it("property: what export writes as dotenv reads back to the same values; dropping keeps the rest byte for byte", () => {
    const name = fc.stringMatching(/^[A-Z_][A-Z0-9_]{0,12}$/);
    const value = fc.string({ unit: fc.constantFrom("a", "Z", "0", " ", "'", '"', "\\", "\n", "#", "$", "=", "é", "\t", "`"), maxLength: 20 });
    fc.assert(
      fc.property(fc.dictionary(name, value, { maxKeys: 8 }), fc.func(fc.boolean()), (vars, pick) => {
        // Values with surrounding blanks are trimmed when unquoted: export quotes them, so they survive.
        const text = formatEnvironment(new Map(Object.entries(vars)), "dotenv");
        const entries = parseDotenv(text);
        expect(Object.fromEntries(entries.map((e) => [e.key, e.value]))).toEqual(vars);
        const drop = new Set(Object.keys(vars).filter((k) => pick(k)));
        const rest = withoutEntries(text, entries, (e) => drop.has(e.key));
        const kept = Object.fromEntries(Object.entries(vars).filter(([k]) => !drop.has(k)));
        expect(Object.fromEntries(parseDotenv(rest).map((e) => [e.key, e.value]))).toEqual(kept);
        expect(rest).toBe(formatEnvironment(new Map(Object.entries(kept)), "dotenv"));
      }),
      { numRuns: 300 },
    );
  });
});
