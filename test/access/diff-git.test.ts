import { mkdirSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { accessDiff } from "../../src/access/diff.js";
import { isSecretsError } from "../../src/errors.js";
import { Sandbox } from "../helpers/cli.js";

/**
 * `policy diff` reads the `.sops.yaml` of each revision through git's batch object reader, which
 * takes one name per line: a name with a newline would be read as two requests and every answer
 * after it misattributed. It must be refused, not answered wrongly.
 */

let sb: Sandbox;

beforeEach(() => {
  sb = new Sandbox();
});
afterEach(() => sb.cleanup());

/** Commits a `.sops.yaml` in directory `name` of the repository; returns its path. */
function commitPolicy(name: string): string {
  const file = join(sb.path(name), ".sops.yaml");
  mkdirSync(sb.path(name));
  writeFileSync(file, "creation_rules:\n  - path_regex: \\.yaml$\n    age: age1ql3z7hjy54pw3hyww5ayyfg7zqgvc7w3j2elw8zmrj2kg5sfn9aqmcac8p\n");
  sb.git("add", ".");
  sb.git("commit", "-q", "-m", "policy");
  return file;
}

describe("accessDiff", () => {
  it("refuses a policy whose repository path holds a newline", async () => {
    const configPath = commitPolicy("team\nsecrets");
    const error = await accessDiff({ configPath, base: "HEAD" }).then(
      () => null,
      (e: unknown) => e,
    );
    expect(isSecretsError(error) && { kind: error.kind, message: error.message }).toEqual({ kind: "usage", message: "a path with a newline cannot be read from git" });
  });

  it("reads the policy at a revision when the path is plain", async () => {
    const configPath = commitPolicy("team");
    const result = await accessDiff({ configPath, base: "HEAD" });
    expect(result.policyChanged).toBe(false);
    expect(result.changes).toEqual([]);
  });
});
