import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";

/**
 * Issue 17: after `access revoke bob`, the current .sops.yaml no longer names bob's key, yet the
 * audit, git diff's textconv and `secrets diff` still show it (as a removed reader, in old
 * versions). They name it "bob", from the policy's git history, instead of showing a bare key.
 */

let sb: Sandbox;
let bob: string;

beforeAll(async () => {
  sb = new Sandbox();
  await sb.ok(["keygen"]);
  bob = (await sb.ok(["keygen", "-o", sb.path("..", "bob.txt")])).trim();
  await sb.ok(["init"]);
  mkdirSync(sb.path("secrets"));
  writeFileSync(sb.path("secrets", "app.yaml"), "api_token: tok-live-42\n");
  await sb.ok(["encrypt", "-i", "secrets/app.yaml"]);
  await sb.ok(["git", "setup"]);
  sb.git("add", ".");
  sb.git("commit", "-qm", "secrets");
  await sb.ok(["access", "grant", "bob", bob, "--path", "(^|/)secrets/", "--commit"]);
  await sb.ok(["access", "revoke", "bob", "--commit"]);
  expect(sb.git("show", "HEAD:.sops.yaml")).not.toContain(bob);
});
afterAll(() => sb?.cleanup());

describe("a revoked recipient keeps its name", () => {
  it("secrets audit names bob where the revoke removed him", async () => {
    const report = JSON.parse(await sb.ok(["audit", "--format", "json"])) as { files: Array<{ access: Array<{ removed: Array<{ recipient: string; name?: string }> }> }> };
    const removed = report.files.flatMap((f) => f.access.flatMap((a) => a.removed));
    expect(removed).toEqual([{ recipient: bob, name: "bob" }]);
    const md = await sb.ok(["audit"]);
    expect(md).toContain("bob");
  });

  it("secrets diff says which recipient was removed by name", async () => {
    const out = await sb.ok(["diff", "HEAD~1", "HEAD"]);
    expect(out).toContain(`recipient removed: ${bob} (bob)`);
  });

  it("git diff (textconv) names bob in the version before the revoke", () => {
    const out = sb.git("diff", "HEAD~1", "HEAD", "--", "secrets/app.yaml");
    expect(out).toContain(`-# recipient: ${bob} (bob)`);
    expect(out).not.toContain("tok-live-42");
  });
});
