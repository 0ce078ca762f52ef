import { z } from "zod";
import * as zm from "zod/mini";
import { describe, expect, it } from "vitest";
import { SecretsError } from "../../src/errors.js";
import { optionFlag, parseWith } from "../../src/util/zod-error.js";
import { formatEnum, LogOptions, parseOptions as parseGitOptions, parseOptionsWithSchemaMessages as parseAccessOptions } from "../../src/cli/option-schemas.js";
import { parseInput } from "../../src/sdk/options.js";

/** The one zod→SecretsError helper, with the classic and the mini API, and the messages its callers build. */

const usage = (issues: readonly { code: string }[]) => new SecretsError("usage", `${issues.length} problem(s), first: ${issues[0]!.code}`);

describe("parseWith", () => {
  it("returns the parsed value (defaults applied) for a classic and a mini schema", () => {
    expect(parseWith(z.object({ a: z.string().default("x") }), {}, usage)).toEqual({ a: "x" });
    expect(parseWith(zm.object({ a: zm._default(zm.string(), "y") }), {}, usage)).toEqual({ a: "y" });
  });

  it("throws the error built from every problem, in zod's order", () => {
    let seen: readonly { code: string }[] = [];
    const e = (() => {
      try {
        parseWith(z.object({ a: z.string(), b: z.number() }), { a: 1, b: "s3cr3t" }, (issues) => ((seen = issues), usage(issues)));
      } catch (err) {
        return err;
      }
    })();
    expect(e).toBeInstanceOf(SecretsError);
    expect((e as SecretsError).message).toBe("2 problem(s), first: invalid_type");
    expect(seen.map((i) => i.code)).toEqual(["invalid_type", "invalid_type"]);
  });

  it("names options as commander's flags", () => {
    expect(optionFlag("dryRun")).toBe("--dry-run");
    expect(optionFlag("format")).toBe("--format");
  });

  it("keeps each caller's message, none quoting the value given", () => {
    expect(() => parseGitOptions(LogOptions, { format: "s3cr3t" })).toThrow(/^invalid --format \(expected one of table, json\)$/);
    expect(() => parseAccessOptions(z.object({ outputFormat: formatEnum(["text", "json"], "text") }), { outputFormat: "s3cr3t" })).toThrow(/^--output-format: expected text or json$/);
    expect(() => parseInput(zm.strictObject({ root: zm.optional(zm.string()) }), { rooot: "s3cr3t" }, "SecretsClient options")).toThrow(/^invalid SecretsClient options: unknown option rooot$/);
    expect(() => parseInput(zm.array(zm.string()), ["a", 7], "secret paths")).toThrow(/^invalid secret paths at 1: expected string$/);
  });
});
