import { describe, expect, it } from "vitest";
import { yamlStore } from "../../src/sops/stores/yaml.js";
import { expectStoreError } from "./expect-error.js";

/** Plaintext YAML errors (issue 17): the line and column of the problem, what was expected, never the text. */

const messageOf = (text: string, secret?: string) => expectStoreError(() => yamlStore.parsePlain(new TextEncoder().encode(text)), "parse", secret).message;

describe("YAML syntax errors", () => {
  it("an unclosed quote at the end of the file names the line and column where it opens, not a line past the end", () => {
    expect(messageOf('a: 1\nb: "s3cr3t-x\n', "s3cr3t")).toBe('invalid YAML at line 2, column 4: expected a closing " for the string that opens here');
    expect(messageOf("a: 1\nb: 's3cr3t-x", "s3cr3t")).toBe("invalid YAML at line 2, column 4: expected a closing ' for the string that opens here");
    // The string runs over the next lines (YAML allows that), so the opening is what matters.
    expect(messageOf('a: 1\nb: "s3cr3t-x\nc: 2\nd: 3\n', "s3cr3t")).toBe('invalid YAML at line 2, column 4: expected a closing " for the string that opens here');
  });

  it("a problem on the last line is reported on that line", () => {
    expect(messageOf("a: 1\nb:\n  c: 1\n d: 2\n")).toMatch(/^invalid YAML at line 4, column 1: expected this key at the same column/);
    expect(messageOf("a: 1\nb:\n  c: 1\n d: 2")).toMatch(/^invalid YAML at line 4, column 1: expected this key at the same column/);
    expect(messageOf("a: 1\nb: [1, 2\n")).toBe("invalid YAML at line 2, column 9: expected a ] closing the [ list (its lines after the first indented more than its key)");
  });

  it("says what was expected, in our words", () => {
    expect(messageOf("a:\n  b: 1\n c: 2\n")).toBe("invalid YAML at line 3, column 1: expected this key at the same column as the keys before it (check the indentation)");
    expect(messageOf("a:\n\tb: 1\n")).toBe("invalid YAML at line 2, column 1: expected spaces for indentation, found a tab");
    expect(messageOf("a: 1\na: 2\n")).toBe("invalid YAML at line 2, column 1: a key appears twice in the same map (keys must be unique)");
    expect(messageOf("password: b: c\n")).toBe('invalid YAML at line 1, column 11: expected a plain value after "key:", found "key: value" in it (quote a value that contains ": "; a nested map starts on its own line)');
    expect(messageOf("a: 1\nfoo\nb: 2\n")).toBe('invalid YAML at line 2, column 1: expected "key: value" (a line without a colon, or a key that runs over several lines)');
    expect(messageOf('a: "x" tail-s3cr3t\n', "s3cr3t")).toBe("invalid YAML at line 1, column 8: unexpected text after the value (quote the whole value)");
  });

  it("messages that would quote the source are replaced, not passed on", () => {
    expect(messageOf('a: "ab\\qs3cr3t"\n', "s3cr3t")).toMatch(/^invalid YAML at line 1, column \d+: expected a valid escape after \\ in a "double-quoted" string/);
    expect(messageOf("a: |x-s3cr3t\n  b\n", "s3cr3t")).toMatch(/^invalid YAML at line 1, column \d+: /);
    expect(messageOf("a: @s3cr3t\n", "s3cr3t")).toMatch(/^invalid YAML at line 1, column 4: expected a quoted value/);
  });
});
