import { spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import type { Sandbox } from "../helpers/cli.js";
import { buildFixture, raw, startServe, VALUES, type Served } from "./serve-helpers.js";

/**
 * `secrets serve` follows its checkout (issue #14 §1): a commit made in the checkout by anyone —
 * `git commit`, `git pull`, a merge — is served on the next request, with no restart; and with
 * `--pull-interval` the server fetches its branch's upstream and fast-forwards to it, never
 * merging: a diverged branch and a work tree whose changes a fast-forward would overwrite are left
 * alone and reported once. The remote is a bare repository on disk, pushed to from a second clone.
 */

/** Polls `check` until it holds; on time-out the error shows what the server printed (its root token masked). */
const until = async (what: string, check: () => boolean | Promise<boolean>, served: Served, timeoutMs = 15_000): Promise<void> => {
  const deadline = Date.now() + timeoutMs;
  while (!(await check())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}; the server printed:\n${served.stderr().replace(/Root Token: \S+/, "Root Token: …")}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

function gitIn(sb: Sandbox, dir: string, ...args: string[]): string {
  const r = spawnSync("git", args, { cwd: dir, env: sb.env, encoding: "utf8" });
  if (r.status !== 0) throw new Error(`git ${args.join(" ")} failed: ${r.stderr}`);
  return r.stdout;
}

const count = (text: string, part: string) => text.split(part).length - 1;

describe("commits made in the checkout are served on the next request", () => {
  let sb: Sandbox;
  let served: Served;
  let token: string;
  const read = async (p: string, t = token) => raw("GET", `${served.url}/v1/${p}`, { "X-Vault-Token": t });

  beforeAll(async () => {
    sb = await buildFixture();
    // No remote: --pull-interval says so once and the server serves on.
    served = await startServe(sb, ["--pull-interval", "200ms"]);
    token = served.rootToken!;
  }, 60_000);

  afterAll(async () => {
    await served?.stop();
    sb?.cleanup();
  });

  it("a changed value and a new secret file, committed with git", async () => {
    expect(JSON.parse((await read("secret/data/app")).body).data.data.password).toBe(VALUES[1]);
    await sb.ok(["set", "secrets/app.yaml", "password", JSON.stringify("changed-in-the-checkout")]);
    writeFileSync(sb.path("secrets/fresh.yaml"), "api: fresh-file-value\n");
    await sb.ok(["encrypt", "-i", "secrets/fresh.yaml"]);
    sb.git("add", "-A");
    sb.git("commit", "-q", "-m", "by hand");
    const app = JSON.parse((await read("secret/data/app")).body).data;
    expect([app.data.password, app.metadata.version]).toEqual(["changed-in-the-checkout", 3]);
    expect(JSON.parse((await read("secret/data/fresh")).body).data.data).toEqual({ api: "fresh-file-value" });
    expect(JSON.parse((await raw("LIST", `${served.url}/v1/secret/metadata/`, { "X-Vault-Token": token })).body).data.keys).toContain("fresh");
  });

  it("a new policy and a token file, then a changed policy: each applies to the next request", async () => {
    mkdirSync(sb.path(".secrets", "policies"), { recursive: true });
    writeFileSync(sb.path(".secrets/policies/reader.hcl"), 'path "secret/data/team/*" {\n  capabilities = ["read"]\n}\n');
    const reader = (await sb.ok(["token", "create", "reader", "--policy", "reader"])).trim();
    sb.git("add", "-A");
    sb.git("commit", "-q", "-m", "reader policy and token");
    expect((await read("secret/data/team/db", reader)).status).toBe(200);
    expect((await read("secret/data/app", reader)).status).toBe(403);
    writeFileSync(sb.path(".secrets/policies/reader.hcl"), 'path "secret/data/*" {\n  capabilities = ["read"]\n}\n');
    sb.git("commit", "-q", "-am", "reader reads everything");
    expect((await read("secret/data/app", reader)).status).toBe(200);
  });

  it("a changed .sops.yaml: a new secret written through the API is encrypted under the rule as it is now", async () => {
    const added = (await sb.ok(["keygen", "-o", join(sb.dir, "added-key.txt")])).trim();
    const config = readFileSync(sb.path(".sops.yaml"), "utf8");
    writeFileSync(sb.path(".sops.yaml"), config.replace("          - *me\n", `          - *me\n          - ${added}\n`));
    sb.git("commit", "-q", "-am", "a second recipient");
    const w = await raw("POST", `${served.url}/v1/secret/data/under-new-rule`, { "X-Vault-Token": token }, JSON.stringify({ data: { k: "v" } }));
    expect(w.status).toBe(200);
    expect(readFileSync(sb.path("secrets/under-new-rule.yaml"), "utf8")).toContain(`recipient: ${added}`);
  });

  it("without an upstream, --pull-interval says so once", async () => {
    await until("the no-upstream report", () => served.stderr().includes("no upstream"), served);
    await new Promise((r) => setTimeout(r, 700));
    expect(count(served.stderr(), "no upstream")).toBe(1);
  });
});

describe("--pull-interval: fast-forward only from a bare remote", () => {
  let sb: Sandbox;
  let served: Served;
  let token: string;
  let other: string;
  const read = async (p: string) => JSON.parse((await raw("GET", `${served.url}/v1/${p}`, { "X-Vault-Token": token })).body);
  /** Changes `secrets/<file>` in the second clone and pushes it. */
  const pushFromOther = async (file: string, key: string, value: string, message: string) => {
    await sb.ok(["set", `secrets/${file}`, key, JSON.stringify(value)], { cwd: other });
    gitIn(sb, other, "commit", "-q", "-am", message);
    gitIn(sb, other, "push", "-q", "origin", "main");
  };

  beforeAll(async () => {
    sb = await buildFixture();
    const bare = join(sb.dir, "remote.git");
    other = join(sb.dir, "other");
    gitIn(sb, sb.dir, "clone", "-q", "--bare", sb.repo, bare);
    sb.git("remote", "add", "origin", bare);
    sb.git("fetch", "-q", "origin");
    sb.git("branch", "-q", "--set-upstream-to=origin/main", "main");
    gitIn(sb, sb.dir, "clone", "-q", bare, other);
    served = await startServe(sb, ["--pull-interval", "300ms"]);
    token = served.rootToken!;
  }, 60_000);

  afterAll(async () => {
    await served?.stop();
    sb?.cleanup();
  });

  it("a commit pushed by another clone is fetched, fast-forwarded and served", async () => {
    await pushFromOther("app.yaml", "password", "pushed-from-elsewhere", "pushed change");
    await until("the pushed value", async () => (await read("secret/data/app")).data.data.password === "pushed-from-elsewhere", served);
    expect(sb.git("rev-parse", "HEAD")).toBe(gitIn(sb, other, "rev-parse", "HEAD"));
    expect(sb.git("status", "--porcelain")).toBe("");
    expect(served.stderr()).toMatch(/secrets serve: pulled 1 commit: fast-forwarded [0-9a-f]{12}\.\.[0-9a-f]{12}/);
    expect(served.stderr()).not.toContain("pushed-from-elsewhere");
  });

  it("a work tree whose change a fast-forward would overwrite is left alone, reported once; once clean, it is pulled", async () => {
    const head = sb.git("rev-parse", "HEAD");
    // An uncommitted change (as a server killed before its commit could leave).
    writeFileSync(sb.path("secrets/team/db.yaml"), readFileSync(sb.path("secrets/team/db.yaml"), "utf8") + "# local edit\n");
    await pushFromOther("team/db.yaml", "user", "pushed-user", "pushed db change");
    await until("the blocked report", () => served.stderr().includes("not fast-forwarded"), served);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(count(served.stderr(), "not fast-forwarded")).toBe(1);
    expect(served.stderr()).toMatch(/not fast-forwarded: Your local changes to the following files would be overwritten by merge: secrets\/team\/db\.yaml/);
    expect(sb.git("rev-parse", "HEAD")).toBe(head);
    expect(readFileSync(sb.path("secrets/team/db.yaml"), "utf8")).toContain("# local edit");
    sb.git("checkout", "--", "secrets/team/db.yaml");
    await until("the pushed user", async () => (await read("secret/data/team/db")).data.data.user === "pushed-user", served);
  });

  it("a diverged branch (a server write here, a push there) is left alone, reported once, never merged", async () => {
    const w = await raw("POST", `${served.url}/v1/secret/data/local-only`, { "X-Vault-Token": token }, JSON.stringify({ data: { here: "1" } }));
    expect(w.status).toBe(200);
    const local = sb.git("rev-parse", "HEAD");
    await pushFromOther("app.yaml", "password", "never-pulled", "a change the server will not merge");
    await until("the diverged report", () => served.stderr().includes("diverged"), served);
    await new Promise((r) => setTimeout(r, 1_000));
    expect(count(served.stderr(), "diverged")).toBe(1);
    expect(served.stderr()).toContain("have diverged (1 commit here, 1 there): not pulled");
    expect(sb.git("rev-parse", "HEAD")).toBe(local);
    expect(sb.git("log", "--merges", "--format=%H")).toBe("");
    expect((await read("secret/data/app")).data.data.password).toBe("pushed-from-elsewhere");
    // The server still takes writes meanwhile.
    expect((await raw("POST", `${served.url}/v1/secret/data/local-only`, { "X-Vault-Token": token }, JSON.stringify({ data: { here: "2" } }))).status).toBe(200);
  });
});
