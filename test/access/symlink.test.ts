import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, symlinkSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";

/**
 * Repository-wide operations never follow a symbolic link: repo B commits a link to a secret file of
 * repo A and a `.sops.yaml` rule naming an attacker's recipient; whoever can read A's file and runs
 * `updatekeys --all` or `access grant/revoke` in B must not re-encrypt A's file to the attacker.
 */

let sb: Sandbox;
let me: string;
let attacker: string;
let repoA: string;

const policy = (...recipients: string[]) => `creation_rules:\n  - path_regex: ^secrets/\n    key_groups:\n      - age: [${recipients.join(", ")}]\n`;

function gitIn(cwd: string, ...args: string[]): void {
  const r = spawnSync("git", args, { cwd, env: sb.env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")}: ${r.stderr}`);
}

/** The two repositories, made once with the CLI; each test gets a copy (`sb`). */
let template: Sandbox;
beforeAll(async () => {
  sb = template = new Sandbox(); // sb.repo is repository B
  me = (await sb.ok(["keygen"])).trim();
  attacker = (await sb.ok(["keygen", "-o", join(sb.dir, "attacker.txt")])).trim();
  // Repository A: one production secret, readable by me only.
  repoA = join(sb.dir, "a");
  mkdirSync(join(repoA, "secrets"), { recursive: true });
  gitIn(repoA, "init", "-q", "-b", "main");
  writeFileSync(join(repoA, ".sops.yaml"), policy(me));
  writeFileSync(join(repoA, "secrets", "prod.yaml"), "db_password: a-production-secret\n");
  await sb.ok(["encrypt", "-i", "secrets/prod.yaml"], { cwd: repoA });
  gitIn(repoA, "add", ".");
  gitIn(repoA, "commit", "-q", "-m", "a");
  // Repository B: a rule adding the attacker, a link into A, and a file of its own.
  mkdirSync(sb.path("secrets"));
  writeFileSync(sb.path(".sops.yaml"), policy(me));
  writeFileSync(sb.path("secrets", "own.yaml"), "token: b-own-secret\n");
  await sb.ok(["encrypt", "-i", "secrets/own.yaml"]);
  symlinkSync(join("..", "..", "a", "secrets", "prod.yaml"), sb.path("secrets", "stolen.yaml"));
  writeFileSync(sb.path(".sops.yaml"), policy(me, attacker));
  sb.git("add", ".");
  sb.git("commit", "-q", "-m", "b");
});
afterAll(() => template?.cleanup());
beforeEach(() => {
  sb = new Sandbox({ from: template });
  repoA = join(sb.dir, "a");
});
afterEach(() => sb.cleanup());

const aFile = () => readFileSync(join(repoA, "secrets", "prod.yaml"));

describe("a symbolic link out of the repository", () => {
  it("updatekeys --all skips it with a message and leaves A's file byte for byte as it was", async () => {
    const before = aFile();
    const r = await sb.run(["updatekeys", "--all", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`skipping "secrets/stolen.yaml": a symbolic link that leads outside the repository`);
    expect(aFile().equals(before)).toBe(true);
    expect(aFile().toString("utf8")).not.toContain(attacker);
    // B's own file is still brought to B's rule.
    expect(readFileSync(sb.path("secrets", "own.yaml"), "utf8")).toContain(attacker);
    // The attacker's key opens nothing of A.
    const steal = await sb.run(["decrypt", join(repoA, "secrets", "prod.yaml")], { env: { SOPS_AGE_KEY_FILE: join(sb.dir, "attacker.txt"), XDG_CONFIG_HOME: join(sb.dir, "nobody") } });
    expect(steal.code).not.toBe(0);
    expect(steal.stdout).not.toContain("a-production-secret");
  });

  it("access grant and revoke skip it too", async () => {
    writeFileSync(sb.path(".sops.yaml"), policy(me));
    const before = aFile();
    const g = await sb.run(["access", "grant", "mallory", attacker, "--path", "^secrets/"]);
    expect(g.code, g.stderr).toBe(0);
    expect(readFileSync(sb.path("secrets", "own.yaml"), "utf8")).toContain(attacker);
    expect(g.stderr).toContain(`skipping "secrets/stolen.yaml"`);
    expect(aFile().equals(before)).toBe(true);
    const r = await sb.run(["access", "revoke", me]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`skipping "secrets/stolen.yaml"`);
    expect(aFile().equals(before)).toBe(true);
  });

  it("updatekeys FILE takes the rule from the file's real location: B's rule does not cover A's file", async () => {
    const before = aFile();
    const r = await sb.run(["updatekeys", "--yes", "secrets/stolen.yaml"]);
    expect(r.code).not.toBe(0);
    expect(aFile().equals(before)).toBe(true);
  });

  it("a link that stays inside the repository is skipped with a message; its target is updated under its own path", async () => {
    symlinkSync("own.yaml", sb.path("secrets", "alias.yaml"));
    const r = await sb.run(["updatekeys", "--all", "--yes"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain(`skipping "secrets/alias.yaml": a symbolic link; the file it leads to is handled at its own path`);
    expect(r.stderr).toContain("secrets/own.yaml: key changes");
    expect(r.stderr).not.toContain("secrets/alias.yaml: key changes");
  });
});
