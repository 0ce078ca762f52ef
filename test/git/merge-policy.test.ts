import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";

/**
 * Issue 17: the merge driver compares the merged recipients with the `.sops.yaml` rule. During
 * `git merge` the work tree still holds our `.sops.yaml`, so merging a branch that granted access
 * (its policy and its files both name the new recipient) warned "recipients differ" although the
 * merged policy and the merged file agree. Real git, real merges.
 */

let sb: Sandbox;
let bob: string;

beforeEach(async () => {
  sb = new Sandbox();
  await sb.ok(["keygen"]);
  bob = (await sb.ok(["keygen", "-o", sb.path("..", "bob.txt")])).trim();
  await sb.ok(["init"]);
  mkdirSync(sb.path("secrets"));
  writeFileSync(sb.path("secrets", "app.yaml"), "api_token: tok-0\nport: 5432\n");
  await sb.ok(["encrypt", "-i", "secrets/app.yaml"]);
  await sb.ok(["git", "setup"]);
  sb.git("add", ".");
  sb.git("commit", "-qm", "secrets");
});
afterEach(() => sb.cleanup());

/** Branch `grant` gives bob access; main changes a value meanwhile, so both sides touched the file. */
async function divergeWithGrant(): Promise<void> {
  sb.git("checkout", "-qb", "grant");
  await sb.ok(["access", "grant", "bob", bob, "--path", "(^|/)secrets/", "--commit"]);
  sb.git("checkout", "-q", "main");
  await sb.ok(["set", "secrets/app.yaml", '["port"]', "6543"]);
  sb.git("commit", "-qam", "port");
}

function gitRun(...args: string[]): { code: number; stdout: string; stderr: string } {
  // Sandbox.git throws on failure; a merge's stderr is what is checked here.
  const r = spawnSync("git", args, { cwd: sb.repo, env: sb.env, encoding: "utf8" });
  return { code: r.status ?? -1, stdout: r.stdout, stderr: r.stderr };
}

describe("merge driver and the policy of the merge", () => {
  it("a clean merge of a branch that granted access gives no 'recipients differ' warning", async () => {
    await divergeWithGrant();
    const r = gitRun("merge", "--no-edit", "grant");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).not.toMatch(/recipients differ/);
    expect(readFileSync(sb.path(".sops.yaml"), "utf8")).toContain(bob);
    expect(await sb.ok(["decrypt", "--extract", '["port"]', "secrets/app.yaml"], { env: { SOPS_AGE_KEY_FILE: sb.path("..", "bob.txt") } })).toBe("6543\n");
    expect((await sb.run(["verify"])).code).toBe(0);
  });

  it("still warns when the merged file's recipients differ from the merged policy", async () => {
    // The branch adds bob to the file only (drift), not to the policy: the merged policy lacks bob.
    sb.git("checkout", "-qb", "drift");
    await sb.ok(["rotate", "-i", "--add-age", bob, "secrets/app.yaml"]);
    sb.git("commit", "-qam", "bob by hand");
    sb.git("checkout", "-q", "main");
    await sb.ok(["set", "secrets/app.yaml", '["port"]', "6543"]);
    sb.git("commit", "-qam", "port");
    const r = gitRun("merge", "--no-edit", "drift");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stdout + r.stderr).toMatch(/secrets\/app.yaml: the merged recipients differ from the .sops.yaml rule/);
  });
});
