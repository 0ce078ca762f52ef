import { chmodSync, readdirSync, readFileSync, writeFileSync, mkdirSync, existsSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";
import { decryptedValues } from "../helpers/sandbox-files.js";

/**
 * `secrets rotate values` and `secrets rotation status` through the CLI binary (random and
 * command generators; the postgres one has its own file): a rotation commits the new value with
 * its rotated_at, dry runs change nothing, a failing command leaves the value alone and ends stuck
 * after its retries, a SIGKILL after every step is resumed, and no value is ever printed, logged or
 * committed in a message.
 */

const OLD = "old-token-0123456789-abcdef";
let base: Sandbox;

function policy(sb: Sandbox, text: string): void {
  mkdirSync(sb.path(".secrets"), { recursive: true });
  writeFileSync(sb.path(".secrets/rotation.yaml"), text);
  sb.git("add", ".secrets/rotation.yaml");
  sb.git("commit", "-q", "-m", "rotation policy");
}

const RANDOM = `rotations:\n  - path: app/API_TOKEN\n    every: 30d\n    generator: { type: random }\n    owner: "@platform"\n`;

async function value(sb: Sandbox, key = "API_TOKEN"): Promise<string> {
  return ((await decryptedValues(sb, "secrets/app.yaml")) as Record<string, string>)[key]!;
}

/** Everything a value could leak into: outputs, commit messages, the state directory in clear. */
function assertNowhere(sb: Sandbox, outputs: string[], values: string[]): void {
  const log = sb.git("log", "--format=%B");
  const state = join(sb.repo, ".git", "secrets-server", "rotation");
  const records = existsSync(state) ? readdirSync(state).map((n) => readFileSync(join(state, n), "utf8")) : [];
  for (const v of values) {
    for (const o of [...outputs, log, ...records]) expect(o).not.toContain(v);
  }
}

beforeAll(async () => {
  base = new Sandbox();
  const pub = (await base.ok(["keygen"])).trim();
  writeFileSync(base.path(".sops.yaml"), `creation_rules:\n  - age: ${pub}\n`);
  mkdirSync(base.path("secrets"));
  writeFileSync(base.path("secrets/app.yaml"), `API_TOKEN: ${OLD}\nOTHER: keep-me\n`);
  await base.ok(["encrypt", "-i", "secrets/app.yaml"]);
  base.git("add", "-A");
  base.git("commit", "-q", "-m", "secrets");
}, 60_000);

afterAll(() => base?.cleanup());

describe("secrets rotate values (random, command)", () => {
  it("rotates with a fresh Vault-policy value, keeps rotated_at in the value's metadata, commits the file alone naming only the path", async () => {
    const sb = new Sandbox({ from: base });
    policy(sb, RANDOM);
    const before = sb.git("rev-parse", "HEAD").trim();
    const r = await sb.run(["rotate", "values", "app/API_TOKEN", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    const [outcome] = JSON.parse(r.stdout) as Array<{ action: string; commit: string }>;
    expect(outcome).toMatchObject({ path: "app/API_TOKEN", action: "rotated", attempts: 1 });
    const now = await value(sb);
    expect(now).not.toBe(OLD);
    expect(now).toMatch(/^[A-Za-z0-9-]{20}$/);
    expect(await value(sb, "OTHER")).toBe("keep-me");
    const stored = readFileSync(sb.path("secrets/app.yaml"), "utf8");
    expect(stored).toMatch(/API_TOKEN_metadata_unencrypted:\n\s+rotated_at: "?\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ/);
    expect(sb.git("rev-list", "--count", `${before}..HEAD`).trim()).toBe("1");
    expect(sb.git("log", "-1", "--format=%s")).toContain("app/API_TOKEN");
    expect(sb.git("show", "--name-only", "--format=", "HEAD").trim()).toBe("secrets/app.yaml");
    expect(sb.git("status", "--porcelain").trim()).toBe("");
    // The MAC covers rotated_at: a tampered time fails decryption.
    writeFileSync(sb.path("secrets/app.yaml"), stored.replace(/rotated_at: "?[^"\n]+"?/, 'rotated_at: "2001-01-01T00:00:00Z"'));
    await expect(value(sb)).rejects.toThrow();
    sb.git("checkout", "--", "secrets/app.yaml");
    const status = JSON.parse(await sb.ok(["rotation", "status", "--format", "json"])) as Array<Record<string, unknown>>;
    expect(status).toEqual([expect.objectContaining({ path: "app/API_TOKEN", state: "ok", owner: "@platform", step: null })]);
    assertNowhere(sb, [r.stdout, r.stderr], [OLD, now]);
    sb.cleanup();
  }, 60_000);

  it("status shows due, overdue and the CI gate; --due rotates only what is due; --dry-run changes nothing anywhere", async () => {
    const sb = new Sandbox({ from: base });
    // Due after 1s, overdue 1s later: the file's lastmodified is the start.
    policy(sb, `rotations:\n  - path: app/API_TOKEN\n    every: 1\n    window: 1\n    generator: { type: random }\n    owner: ops\n  - path: app/OTHER\n    every: 3650d\n    generator: { type: random }\n    owner: ops\n`);
    await new Promise((r) => setTimeout(r, 2100));
    const status = JSON.parse(await sb.ok(["rotation", "status", "--format", "json"])) as Array<Record<string, unknown>>;
    expect(status.map((s) => [s.path, s.state])).toEqual([["app/API_TOKEN", "overdue"], ["app/OTHER", "ok"]]);
    const gate = await sb.run(["rotation", "status", "--fail-on-overdue"]);
    expect(gate.code).toBe(1);
    expect(gate.stdout).toMatch(/app\/API_TOKEN\s+overdue/);
    const verify = await sb.run(["verify", "--fail-on-overdue"]);
    expect(verify.code).toBe(1);
    expect(verify.stdout).toContain("app/API_TOKEN");

    const head = sb.git("rev-parse", "HEAD");
    const file = readFileSync(sb.path("secrets/app.yaml"));
    const dry = await sb.run(["rotate", "values", "--due", "--dry-run"]);
    expect(dry.code, dry.stderr).toBe(0);
    expect(dry.stdout).toMatch(/app\/API_TOKEN\s+would-rotate/);
    expect(dry.stdout).not.toContain("app/OTHER");
    expect(sb.git("rev-parse", "HEAD")).toBe(head);
    expect(readFileSync(sb.path("secrets/app.yaml")).equals(file)).toBe(true);
    expect(existsSync(join(sb.repo, ".git", "secrets-server", "rotation")) ? readdirSync(join(sb.repo, ".git", "secrets-server", "rotation")).filter((n) => n.endsWith(".json")) : []).toEqual([]);

    const due = await sb.run(["rotate", "values", "--due", "--format", "json"]);
    expect(due.code, due.stderr).toBe(0);
    expect((JSON.parse(due.stdout) as Array<{ path: string }>).map((o) => o.path)).toEqual(["app/API_TOKEN"]);
    expect(await value(sb, "OTHER")).toBe("keep-me");
    expect(await value(sb)).not.toBe(OLD);
    sb.cleanup();
  }, 60_000);

  it("command generator: its stdout is the value (no shell); a failing command leaves the value untouched, retries with a fresh run, then stuck", async () => {
    const sb = new Sandbox({ from: base });
    const bin = join(sb.dir, "bin");
    mkdirSync(bin);
    writeFileSync(join(bin, "new-key"), `#!/bin/sh\necho "from-command-$(date +%s%N)"\n`);
    writeFileSync(join(bin, "fail-key"), `#!/bin/sh\necho "count" >> "${join(sb.dir, "runs")}"\necho "leaked-on-stderr" >&2\nexit 3\n`);
    chmodSync(join(bin, "new-key"), 0o755);
    chmodSync(join(bin, "fail-key"), 0o755);
    policy(sb, `rotations:\n  - path: app/API_TOKEN\n    every: 30d\n    generator: { type: command, command: ["${join(bin, "new-key")}"] }\n    owner: ops\n  - path: app/OTHER\n    every: 30d\n    retries: 2\n    generator: { type: command, command: ["${join(bin, "fail-key")}", "$(touch ${join(sb.dir, "pwned")})"] }\n    owner: ops\n`);
    const ok = await sb.run(["rotate", "values", "app/API_TOKEN"]);
    expect(ok.code, ok.stderr).toBe(0);
    const made = await value(sb);
    expect(made).toMatch(/^from-command-\d+$/);

    const head = sb.git("rev-parse", "HEAD");
    const bad = await sb.run(["rotate", "values", "app/OTHER"]);
    expect(bad.code).toBe(1);
    expect(bad.stdout).toMatch(/app\/OTHER\s+stuck/);
    expect(bad.stderr).toContain("exited with status 3");
    expect(bad.stderr).not.toContain("leaked-on-stderr");
    expect(readFileSync(join(sb.dir, "runs"), "utf8").trim().split("\n")).toHaveLength(2);
    expect(existsSync(join(sb.dir, "pwned"))).toBe(false);
    expect(await value(sb, "OTHER")).toBe("keep-me");
    expect(sb.git("rev-parse", "HEAD")).toBe(head);
    const status = JSON.parse(await sb.ok(["rotation", "status", "--format", "json"])) as Array<Record<string, unknown>>;
    expect(status.find((s) => s.path === "app/OTHER")).toMatchObject({ state: "stuck", attempts: 2 });
    expect((await sb.run(["rotation", "status", "--fail-on-overdue"])).code).toBe(1);
    // A stuck secret is not retried by --due until reset.
    const again = await sb.run(["rotate", "values", "--due", "--format", "json"]);
    expect(JSON.parse(again.stdout)).toEqual([expect.objectContaining({ path: "app/OTHER", action: "stuck" })]);
    expect(readFileSync(join(sb.dir, "runs"), "utf8").trim().split("\n")).toHaveLength(2);
    assertNowhere(sb, [ok.stdout, ok.stderr, bad.stdout, bad.stderr], [made, OLD]);
    sb.cleanup();
  }, 60_000);

  it.each(["created", "set", "tested", "committed"])("a SIGKILL right after step %s leaves a record (values encrypted) that the next run completes", async (step) => {
    const sb = new Sandbox({ from: base });
    policy(sb, RANDOM);
    const killed = await sb.run(["rotate", "values", "app/API_TOKEN"], { env: { SECRETS_ROTATION_KILL_AT: step } });
    expect(killed.code).toBe(128);
    const status = JSON.parse(await sb.ok(["rotation", "status", "--format", "json"])) as Array<Record<string, unknown>>;
    expect(status[0]).toMatchObject({ state: "rotating", step });
    const dir = join(sb.repo, ".git", "secrets-server", "rotation");
    const record = readFileSync(join(dir, readdirSync(dir).find((n) => n.endsWith(".json"))!), "utf8");
    expect(record).toContain("-----BEGIN AGE ENCRYPTED FILE-----");
    // A second run cannot start another rotation: it resumes this one.
    const resumed = await sb.run(["rotate", "values", "--due", "--format", "json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    // After the commit only finish was left: the resumed run finishes it.
    expect(JSON.parse(resumed.stdout)).toEqual([expect.objectContaining({ path: "app/API_TOKEN", action: step === "committed" ? "finished" : "rotated", step: null, attempts: 1 })]);
    const now = await value(sb);
    expect(now).not.toBe(OLD);
    expect(sb.git("log", "--format=%s").split("\n").filter((l) => l.includes("rotate values"))).toHaveLength(1);
    expect(sb.git("status", "--porcelain").trim()).toBe("");
    expect(readdirSync(dir).filter((n) => n.endsWith(".json"))).toEqual([]);
    assertNowhere(sb, [killed.stdout, killed.stderr, resumed.stdout, resumed.stderr], [OLD, now]);
    sb.cleanup();
  }, 60_000);

  it("a record whose commit is not in the checkout (a pull request closed unmerged) is dropped as abandoned, without finish", async () => {
    const sb = new Sandbox({ from: base });
    policy(sb, RANDOM);
    expect((await sb.run(["rotate", "values", "app/API_TOKEN"], { env: { SECRETS_ROTATION_KILL_AT: "committed" } })).code).toBe(128);
    sb.git("reset", "-q", "--hard", "HEAD~1");
    const r = await sb.run(["rotate", "values", "--due", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ path: "app/API_TOKEN", action: "abandoned", step: null })]);
    expect(await value(sb)).toBe(OLD);
    expect(JSON.parse(await sb.ok(["rotation", "status", "--format", "json"]))).toEqual([expect.objectContaining({ state: "ok", step: null })]);
    sb.cleanup();
  }, 60_000);

  it("refuses to start on a file with uncommitted changes, before making any value", async () => {
    const sb = new Sandbox({ from: base });
    policy(sb, RANDOM);
    await sb.ok(["set", "secrets/app.yaml", '["OTHER"]', '"changed"']);
    const r = await sb.run(["rotate", "values", "app/API_TOKEN"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/failed/);
    expect(r.stderr).toContain("uncommitted changes");
    expect(await value(sb)).toBe(OLD);
    sb.cleanup();
  }, 60_000);
});
