import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { keyValueRecord } from "../../action/src/file-commands.js";
import { ROOT } from "../helpers/cli.js";
import { parseFileCommands } from "./runner-harness.js";

/**
 * The Action writes GITHUB_OUTPUT/GITHUB_ENV records itself (batched; see action/src/file-commands.ts).
 * They must be exactly what @actions/core writes: compared with the toolkit's own prepareKeyValueMessage
 * (not in its package exports, so loaded by path), delimiter aside, which is random in both.
 */

type Prepare = (key: string, value: unknown) => string;
const toolkit = (await import(pathToFileURL(join(ROOT, "node_modules", "@actions", "core", "lib", "file-command.js")).href)) as { prepareKeyValueMessage: Prepare };

const VALUES = ["plain", "", "line1\nline2\n", "a\r\nEOF\r\nX=y", "ghadelimiter_00000000-0000-0000-0000-000000000000", "100%25 ünï 🔑"];

describe("file-command records", () => {
  it.each(VALUES)("match @actions/core's prepareKeyValueMessage + EOL (%j)", (value) => {
    const theirs = toolkit.prepareKeyValueMessage("NAME", value) + "\n";
    const delimiter = /^NAME<<(ghadelimiter_[0-9a-f-]{36})\n/.exec(theirs)![1]!;
    expect(keyValueRecord("NAME", value, delimiter)).toBe(theirs);
    expect(keyValueRecord("NAME", value)).toMatch(/^NAME<<ghadelimiter_[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}\n/);
    expect(parseFileCommands(keyValueRecord("NAME", value)).values).toEqual({ NAME: value });
  });

  it("uses a fresh delimiter per record and refuses a value holding its delimiter", () => {
    expect(keyValueRecord("A", "x")).not.toBe(keyValueRecord("A", "x"));
    expect(() => keyValueRecord("A", "x ghadelimiter_1 y", "ghadelimiter_1")).toThrow(/delimiter/);
    expect(() => keyValueRecord("Aghadelimiter_1", "x", "ghadelimiter_1")).toThrow(/delimiter/);
  });
});
