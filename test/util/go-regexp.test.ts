import { describe, expect, it } from "vitest";
import { compileGoRegexp, GoRegexpError, goRegexpProblem, translateGoRegexp } from "../../src/util/go-regexp.js";

const matches = (re: string, s: string) => compileGoRegexp(re).test(s);

describe("compileGoRegexp (RE2 → JS)", () => {
  it("searches unanchored, like Go's regexp.MatchString", () => {
    expect(matches("secrets/", "apps/secrets/x.yaml")).toBe(true);
    expect(matches("^secrets/", "apps/secrets/x.yaml")).toBe(false);
    expect(matches("\\.ya?ml$", "a/b.yml")).toBe(true);
    expect(matches("(^|/)secrets/", "secrets/a")).toBe(true);
    expect(matches("(^|/)secrets/", "mysecrets/a")).toBe(false);
  });

  it("turns leading flag groups into flags", () => {
    expect(matches("(?i)^SECRETS/", "secrets/a")).toBe(true);
    expect(matches("^SECRETS/", "secrets/a")).toBe(false);
    expect(matches("(?s)a.b", "a\nb")).toBe(true);
    expect(matches("a.b", "a\nb")).toBe(false);
    expect(matches("(?m)^b$", "a\nb\nc")).toBe(true);
    expect(matches("(?is)^A.B$", "a\nb")).toBe(true);
    expect(matches("(?i)(?s)^A.B$", "a\nb")).toBe(true);
  });

  it("keeps Go's meaning where JS differs", () => {
    // '.' stops only at \n in Go; JS' '.' also stops at \r.
    expect(matches("^a.b$", "a\rb")).toBe(true);
    // \s is ASCII in RE2.
    expect(matches("^\\s$", "\u00a0")).toBe(false);
    expect(matches("^\\s$", "\t")).toBe(true);
    // Named groups, POSIX classes, \x{…}, octal, \Q…\E, \z, \A, \pL, \p{Greek}.
    expect(matches("(?P<env>prod|dev)/", "prod/x")).toBe(true);
    expect(matches("^[[:alpha:]]+$", "abcXYZ")).toBe(true);
    expect(matches("^[[:alpha:]]+$", "abc1")).toBe(false);
    expect(matches("^\\x{41}\\x42$", "AB")).toBe(true);
    expect(matches("^\\101$", "A")).toBe(true);
    expect(matches("\\Q.*+\\E$", "a.*+")).toBe(true);
    expect(matches("\\Q.*+\\E$", "aaaa")).toBe(false);
    expect(matches("^ab\\z", "ab")).toBe(true);
    expect(matches("^ab\\z", "ab\n")).toBe(false);
    expect(matches("\\Aab", "ab")).toBe(true);
    expect(matches("^\\pL+$", "héllo")).toBe(true);
    expect(matches("^\\p{Greek}+$", "αβγ")).toBe(true);
    expect(matches("^\\p{^Greek}+$", "abc")).toBe(true);
    // RE2 literals that are errors in JS' u mode.
    expect(matches("a{,2}", "a{,2}")).toBe(true);
    expect(matches("^a]$", "a]")).toBe(true);
    expect(matches("^\\#\\-$", "#-")).toBe(true);
    expect(matches("^[]a]+$", "]a]")).toBe(true);
    expect(matches("^[a-]+$", "a-")).toBe(true);
  });

  it("applies (?U) by swapping greediness", () => {
    expect(compileGoRegexp("(?U)a+").exec("aaa")?.[0]).toBe("a");
    expect(compileGoRegexp("(?U)a+?").exec("aaa")?.[0]).toBe("aaa");
  });

  it("rejects what RE2 rejects, and what Node 20 cannot express, with a reason", () => {
    for (const bad of ["(", "a)(", "[a", "\\1", "(?=x)", "(?<!x)y", "a**", "\\C", "a{1001}", "[z-a]", "\\e", "(?P=n)"]) {
      expect(goRegexpProblem(bad), bad).toBeTypeOf("string");
    }
    expect(goRegexpProblem("a(?i)b")).toMatch(/only supported at the start/);
    expect(goRegexpProblem("(?i:b)")).toMatch(/only supported at the start/);
    expect(() => translateGoRegexp("\\1")).toThrow(GoRegexpError);
    expect(goRegexpProblem("\\1")).toMatch(/backreference/);
  });
});
