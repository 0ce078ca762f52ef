import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";

/**
 * The git integration end to end: real git, real age keys, the built CLI as merge driver, textconv
 * and pre-commit hook (configured by `secrets git setup`, which names `node …/dist/cli.js`).
 */

const PLAIN = "db:\n    user: app\n    password: pw-base\napi_token: tok-base\nport: 5432\n";
const FILE = "secrets/app.yaml";

let sb: Sandbox;
/** The repository setupRepo gives, built once with the CLI in beforeAll; tests get copies of it. */
let template: Sandbox;
beforeAll(async () => {
  template = new Sandbox();
  await buildRepo(template);
});
afterAll(() => template?.cleanup());
beforeEach(() => {
  sb = new Sandbox();
});
afterEach(() => sb.cleanup());

function git(...args: string[]): { status: number; stdout: string; stderr: string } {
  const r = spawnSync("git", args, { cwd: sb.repo, env: sb.env, encoding: "utf8" });
  return { status: r.status ?? 1, stdout: r.stdout, stderr: r.stderr };
}

/** In `box`: one encrypted file committed and the git integration set up (hooks included). */
async function buildRepo(box: Sandbox): Promise<void> {
  await box.ok(["keygen"]);
  await box.ok(["init"]);
  mkdirSync(box.path("secrets"));
  writeFileSync(box.path(FILE), PLAIN);
  await box.ok(["encrypt", "-i", FILE]);
  const setup = await box.run(["git", "setup", "--hooks"]);
  expect(setup.code, setup.stderr).toBe(0);
  box.git("add", "-A");
  box.git("commit", "-q", "-m", "initial secrets");
}

/** Makes `sb` a fresh copy of the repository buildRepo gives (the template). */
function setupRepo(): void {
  sb.cleanup();
  sb = new Sandbox({ from: template });
}

async function set(path: string, json: string): Promise<void> {
  await sb.ok(["set", FILE, path, json]);
}

function commitAll(msg: string): void {
  sb.git("commit", "-q", "-a", "-m", msg);
}

const leaves = (text: string) => new Map(text.split("\n").filter((l) => l.includes("ENC[")).map((l) => [l.split(":")[0]!.trim(), l.trim()]));

describe("secrets git setup", () => {
  it("writes .gitattributes for the rule's paths, local driver config and a pre-commit hook; re-running is idempotent", async () => {
    await buildRepo(sb); // the set-up commands themselves, in this test's own repository
    const attrs = readFileSync(sb.path(".gitattributes"), "utf8");
    expect(attrs).toContain("**/secrets/** diff=secrets merge=secrets");
    expect(sb.git("check-attr", "diff", "merge", "--", FILE)).toBe(`${FILE}: diff: secrets\n${FILE}: merge: secrets\n`);
    expect(sb.git("config", "--local", "merge.secrets.driver")).toMatch(/dist\/cli\.js'? merge-driver %O %A %B %P\n$/);
    expect(sb.git("config", "--local", "diff.secrets.textconv")).toMatch(/dist\/cli\.js'? git textconv\n$/);
    expect(git("config", "--local", "diff.secrets.cachetextconv").status).not.toBe(0);
    expect(readFileSync(sb.path(".git/hooks/pre-commit"), "utf8")).toMatch(/check --staged/);
    writeFileSync(sb.path(".gitattributes"), "*.png binary\n" + attrs);
    await sb.ok(["git", "setup"]);
    const again = readFileSync(sb.path(".gitattributes"), "utf8");
    expect(again.startsWith("*.png binary\n")).toBe(true);
    expect(again.split("gitops-secrets (written").length).toBe(2);
  });

  it("refuses to replace a pre-commit hook that is not ours without --force", async () => {
    mkdirSync(sb.path(".git/hooks"), { recursive: true });
    writeFileSync(sb.path(".git/hooks/pre-commit"), "#!/bin/sh\necho mine\n");
    const r = await sb.run(["git", "setup", "--hooks"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/not ours/);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    await sb.ok(["git", "setup", "--hooks", "--force"]);
    expect(readFileSync(sb.path(".git/hooks/pre-commit"), "utf8")).toMatch(/check --staged/);
  });
});

describe("git merge through the secrets merge driver", () => {
  it("merges two branches that changed different keys; the result decrypts, verifies and keeps unchanged ciphertexts", async () => {
    setupRepo();
    sb.git("checkout", "-q", "-b", "feature");
    await set('["db"]["password"]', '"pw-feature"');
    commitAll("feature: new db password");
    const feature = readFileSync(sb.path(FILE), "utf8");
    sb.git("checkout", "-q", "main");
    await set("api_token", '"tok-main"');
    commitAll("main: new token");
    const main = readFileSync(sb.path(FILE), "utf8");

    const m = git("merge", "--no-edit", "feature");
    expect(m.status, m.stderr + m.stdout).toBe(0);
    const merged = readFileSync(sb.path(FILE), "utf8");
    expect(await sb.ok(["decrypt", FILE])).toBe(PLAIN.replace("pw-base", "pw-feature").replace("tok-base", "tok-main"));
    const [lm, lf, lo] = [leaves(merged), leaves(feature), leaves(main)];
    expect(lm.get("password")).toBe(lf.get("password"));
    expect(lm.get("api_token")).toBe(lo.get("api_token"));
    expect(lm.get("user")).toBe(lo.get("user"));
    expect(git("status", "--porcelain").stdout).toBe("");
  });

  it("reports a key both branches changed as a conflict: paths listed, values never; both candidates kept; edit resolves it", async () => {
    setupRepo();
    sb.git("checkout", "-q", "-b", "feature");
    await set("api_token", '"tok-feature-SECRET1"');
    await set('["db"]["user"]', '"user-feature"');
    commitAll("feature token");
    sb.git("checkout", "-q", "main");
    await set("api_token", '"tok-main-SECRET2"');
    commitAll("main token");

    const m = git("merge", "--no-edit", "feature");
    expect(m.status).not.toBe(0);
    const out = m.stdout + m.stderr;
    expect(out).toContain(`${FILE}: merge conflict at ["api_token"]`);
    expect(out).not.toMatch(/SECRET1|SECRET2|tok-base/);
    expect(git("status", "--porcelain").stdout).toContain(`UU ${FILE}`);

    // Still a valid encrypted file (MAC verifies), with both candidates and the base marked.
    const stored = readFileSync(sb.path(FILE), "utf8");
    expect(stored).not.toMatch(/SECRET1|SECRET2/);
    const plain = await sb.ok(["decrypt", FILE]);
    expect(plain).toBe(
      "db:\n    user: user-feature\n    password: pw-base\n" +
        "api_token:\n    <<<<<<< ours: tok-main-SECRET2\n    '||||||| base': tok-base\n    '>>>>>>> theirs': tok-feature-SECRET1\nport: 5432\n",
    );

    // The commit guard refuses the unresolved file.
    sb.git("add", FILE);
    const refused = git("commit", "-q", "--no-edit");
    expect(refused.status).not.toBe(0);
    expect(refused.stderr).toContain('unresolved merge conflict at ["api_token"]');

    // `secrets edit` opens it; an editor that keeps theirs resolves it.
    const editor = sb.path("..", "resolve.mjs");
    writeFileSync(
      editor,
      `import { readFileSync, writeFileSync } from "node:fs";
const f = process.argv[2];
const t = readFileSync(f, "utf8").replace(/api_token:\\n(    .*\\n)+/, (block) => "api_token: " + block.match(/theirs': (.*)\\n/)[1] + "\\n");
writeFileSync(f, t);
`,
    );
    await sb.ok(["edit", FILE], { env: { EDITOR: `${process.execPath} ${editor}` } });
    expect(await sb.ok(["get", FILE, "api_token"])).toBe("tok-feature-SECRET1");
    sb.git("add", FILE);
    const done = git("commit", "-q", "--no-edit");
    expect(done.status, done.stderr).toBe(0);
    expect(readdirSync(sb.tmp)).toEqual([]); // no plaintext left behind
  });

  it("merges a branch that rotated the data key with one that edited a value", async () => {
    setupRepo();
    sb.git("checkout", "-q", "-b", "rotated");
    await sb.ok(["rotate", "-i", FILE]);
    commitAll("rotate data key");
    const rotated = readFileSync(sb.path(FILE), "utf8");
    sb.git("checkout", "-q", "main");
    await set("port", "6543");
    commitAll("edit port");

    const m = git("merge", "--no-edit", "rotated");
    expect(m.status, m.stderr).toBe(0);
    expect(await sb.ok(["decrypt", FILE])).toBe(PLAIN.replace("5432", "6543"));
    const merged = readFileSync(sb.path(FILE), "utf8");
    // The rotated branch's data key (its key entry) is the one kept, with its unchanged ciphertexts.
    const entry = (t: string) => t.slice(t.indexOf("-----BEGIN AGE"), t.indexOf("-----END AGE"));
    expect(entry(merged)).toBe(entry(rotated));
    expect(leaves(merged).get("password")).toBe(leaves(rotated).get("password"));
  });

  it("is used by cherry-pick and rebase too", async () => {
    setupRepo();
    sb.git("checkout", "-q", "-b", "topic");
    await set("api_token", '"tok-topic"');
    commitAll("topic token");
    sb.git("checkout", "-q", "main");
    await set("port", "1");
    commitAll("main port");
    const cp = git("cherry-pick", "topic");
    expect(cp.status, cp.stderr).toBe(0);
    expect(await sb.ok(["get", FILE, "api_token"])).toBe("tok-topic");
    sb.git("reset", "-q", "--hard", "HEAD~1");
    sb.git("checkout", "-q", "topic");
    const rb = git("rebase", "main");
    expect(rb.status, rb.stderr).toBe(0);
    expect(await sb.ok(["decrypt", FILE])).toBe(PLAIN.replace("tok-base", "tok-topic").replace("5432", "1"));
  });
});

describe("merge driver command", () => {
  it("exits 40 on a conflict and leaves the candidates in %A; files that are not encrypted get git's text merge", async () => {
    setupRepo();
    const base = readFileSync(sb.path(FILE));
    await set("port", "1");
    const ours = readFileSync(sb.path(FILE));
    writeFileSync(sb.path(FILE), base);
    await set("port", "2");
    const theirs = readFileSync(sb.path(FILE));
    const dir = sb.path("..", "m");
    mkdirSync(dir);
    const [o, a, b] = ["o", "a", "b"].map((n) => `${dir}/${n}`);
    writeFileSync(o!, base);
    writeFileSync(a!, ours);
    writeFileSync(b!, theirs);
    const r = await sb.run(["merge-driver", o!, a!, b!, FILE]);
    expect(r.code).toBe(40);
    expect(r.stderr).toBe(`secrets: ${FILE}: merge conflict at ["port"]: both candidates are kept in the file, marked <<<<<<< ours / >>>>>>> theirs; resolve with \`secrets edit ${FILE}\`, then git add it\n`);
    writeFileSync(sb.path(FILE), readFileSync(a!));
    expect(await sb.ok(["get", FILE, "port"])).toBe('{"<<<<<<< ours":1,"||||||| base":5432,">>>>>>> theirs":2}\n');

    // A plain YAML file under the attributes' pattern: merged like git would.
    writeFileSync(sb.path("secrets/plain.yaml"), "a: 1\nb: 2\nc: 3\n");
    sb.git("add", "secrets/plain.yaml");
    sb.git("commit", "-q", "--no-verify", "-m", "plain");
    sb.git("checkout", "-q", "-b", "side");
    writeFileSync(sb.path("secrets/plain.yaml"), "a: 1\nb: 2\nc: side\n");
    sb.git("commit", "-q", "--no-verify", "-a", "-m", "side");
    sb.git("checkout", "-q", "main");
    writeFileSync(sb.path("secrets/plain.yaml"), "a: main\nb: 2\nc: 3\n");
    sb.git("commit", "-q", "--no-verify", "-a", "-m", "main");
    const m = git("merge", "--no-edit", "--no-verify", "side");
    expect(m.status, m.stderr).toBe(0);
    expect(readFileSync(sb.path("secrets/plain.yaml"), "utf8")).toBe("a: main\nb: 2\nc: side\n");
  });
});

describe("git diff through the textconv driver", () => {
  it("shows the changed key, values as fingerprints; --show-values shows them", async () => {
    setupRepo();
    await set('["db"]["password"]', '"pw-NEW-VALUE"');
    const d = sb.git("diff");
    expect(d).toMatch(/^-    password: fp:[0-9a-f]{12}$/m);
    expect(d).toMatch(/^\+    password: fp:[0-9a-f]{12}$/m);
    expect(d).not.toMatch(/pw-NEW-VALUE|pw-base|ENC\[/);
    expect(d.split("\n").filter((l) => /^[-+] /.test(l) || /^[-+]\s{4}/.test(l))).toHaveLength(2);
    // Same value at the same path: same fingerprint (the unchanged user line is context).
    expect(d).toMatch(/^ {5}user: fp:[0-9a-f]{12}$/m);
    await sb.ok(["git", "setup", "--show-values"]);
    const v = sb.git("diff");
    expect(v).toContain("-    password: pw-base");
    expect(v).toContain("+    password: pw-NEW-VALUE");
  });

  it("never fails git diff: a file we cannot decrypt is shown as stored, with a note", async () => {
    setupRepo();
    await set("port", "1");
    const d = git("diff");
    expect(d.status).toBe(0);
    const nokey = spawnSync("git", ["diff"], { cwd: sb.repo, env: { ...sb.env, XDG_CONFIG_HOME: sb.path("..", "nowhere") }, encoding: "utf8" });
    expect(nokey.status).toBe(0);
    expect(nokey.stdout).toMatch(/^-port: ENC\[AES256_GCM/m);
    expect(nokey.stdout).toMatch(/^\+port: ENC\[AES256_GCM/m);
  });
});

describe("secrets check --staged (the pre-commit hook)", () => {
  it("blocks a plaintext file a rule covers and obvious secrets in .env/config files; names lines, never values", async () => {
    setupRepo();
    writeFileSync(sb.path("secrets/new.yaml"), "password: hunter2-PLAINTEXT\n");
    sb.git("add", "secrets/new.yaml");
    const r = git("commit", "-q", "-m", "oops");
    expect(r.status).not.toBe(0);
    expect(r.stderr).toContain("secrets/new.yaml: not an encrypted file, but it matches creation_rules[0]");
    expect(r.stderr).not.toContain("hunter2");
    sb.git("reset", "-q");

    writeFileSync(sb.path(".env"), "A=1\nDATABASE_URL=postgres://app:Sup3rS3cret@db:5432/app\nGH=ghp_0123456789abcdefghijABCDEFGHIJ012345\nURL=https://user:${PASSWORD}@example.com\n");
    writeFileSync(sb.path("config.json"), '{"key": "-----BEGIN OPENSSH PRIVATE KEY-----"}\n');
    sb.git("add", ".env", "config.json");
    const c = await sb.run(["check", "--staged"]);
    expect(c.code).toBe(41);
    expect(c.stderr).toContain(".env:2: looks like a URL with a password");
    expect(c.stderr).toContain(".env:3: looks like a GitHub token");
    expect(c.stderr).not.toContain(".env:4");
    expect(c.stderr).toContain("config.json:1: looks like a private key block");
    expect(c.stderr).not.toMatch(/Sup3rS3cret|ghp_0123/);
    expect(c.stderr.trim().split("\n").pop()).toMatch(/^secrets: commit refused: 3 problems in 2 staged files/);
  });

  it("blocks a secrets file with broken metadata or a value in clear; passes a clean commit", async () => {
    setupRepo();
    const enc = readFileSync(sb.path(FILE), "utf8");
    writeFileSync(sb.path(FILE), enc.replace(/lastmodified: .*/, "lastmodified: yesterday"));
    sb.git("add", FILE);
    let c = await sb.run(["check", "--staged"]);
    expect(c.code).toBe(41);
    expect(c.stderr).toContain("lastmodified is not an RFC 3339 time");
    writeFileSync(sb.path(FILE), enc.replace(/api_token: ENC\[[^\]]*\]/, "api_token: added-by-hand"));
    sb.git("add", FILE);
    c = await sb.run(["check", "--staged"]);
    expect(c.stderr).toContain('value at ["api_token"] is in clear text');
    expect(c.stderr).not.toContain("added-by-hand");
    // A secrets file outside any rule, decrypted in place and staged: refused too.
    writeFileSync(sb.path("other.json"), '{"token": "abc"}\n');
    await sb.ok(["encrypt", "-i", "--age", (await sb.ok(["keygen", "-o", sb.path("..", "k3.txt")])).trim(), "other.json"]);
    sb.git("add", "other.json");
    sb.git("commit", "-q", "--no-verify", "-m", "other");
    writeFileSync(sb.path("other.json"), '{"token": "abc"}\n');
    sb.git("add", "other.json");
    c = await sb.run(["check", "--staged"]);
    expect(c.stderr).toContain("other.json: encrypted in HEAD but staged in plaintext");
    sb.git("reset", "-q", "--hard");

    writeFileSync(sb.path(FILE), enc);
    await set("port", "2");
    sb.git("add", FILE);
    expect((await sb.run(["check", "--staged"])).code).toBe(0);
    expect(git("commit", "-q", "-m", "fine").status).toBe(0);
  });
});

describe("history: log, show, diff, audit", () => {
  it("log lists per secret the commits that added, changed or removed it; --values decrypts", async () => {
    setupRepo();
    await set("api_token", '"tok-2"');
    commitAll("rotate the api token");
    await sb.ok(["unset", FILE, "port"]);
    commitAll("drop port");
    const table = await sb.ok(["log", FILE]);
    expect(table).not.toMatch(/tok-|pw-base|5432/);
    const j = JSON.parse(await sb.ok(["log", FILE, "--format", "json"]));
    const by = Object.fromEntries(j.secrets.map((s: { path: string; events: Array<{ change: string; message: string }> }) => [s.path, s.events.map((e) => `${e.change}:${e.message}`)]));
    expect(by['["api_token"]']).toEqual(["changed:rotate the api token", "added:initial secrets"]);
    expect(by['["port"]']).toEqual(["removed:drop port", "added:initial secrets"]);
    expect(by['["db"]["user"]']).toEqual(["added:initial secrets"]);
    const one = JSON.parse(await sb.ok(["log", FILE, "api_token", "--format", "json", "--values"]));
    expect(one.secrets).toHaveLength(1);
    expect(one.secrets[0].events.map((e: { value: string }) => e.value)).toEqual(['"tok-2"', '"tok-base"']);
  });

  it("show prints the file as it was at a revision; diff compares revisions key by key", async () => {
    setupRepo();
    await set("api_token", '"tok-2"');
    commitAll("second");
    expect(await sb.ok(["show", FILE, "--rev", "HEAD~1"])).toBe(PLAIN);
    expect(await sb.ok(["show", FILE, "--rev", "HEAD"])).toBe(PLAIN.replace("tok-base", "tok-2"));
    const bad = await sb.run(["show", FILE, "--rev", "no-such-rev"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toMatch(/unknown revision "no-such-rev"/);

    expect(await sb.ok(["diff", "HEAD~1", "HEAD"])).toBe(`${FILE}\n  ~ ["api_token"]\n`);
    expect(await sb.ok(["diff", "HEAD~1", "HEAD", "--values"])).toBe(`${FILE}\n  ~ ["api_token"]: "tok-base" -> "tok-2"\n`);
    await sb.ok(["rotate", "-i", FILE]);
    await set("port", "7");
    // Work tree against HEAD: decrypted on both sides, so the rotation is not mistaken for changes.
    expect(await sb.ok(["diff"])).toBe(`${FILE}\n  ~ ["port"]\n  data key rotated\n`);
    expect(await sb.ok(["diff", "--", FILE])).toBe(`${FILE}\n  ~ ["port"]\n  data key rotated\n`);
    expect(await sb.ok(["diff", "--staged"])).toBe("");
    expect((await sb.run(["diff", "--exit-code"])).code).toBe(1);
  });

  it("audit tells per secret when it changed, by whom, and who could read it", async () => {
    setupRepo();
    const second = (await sb.ok(["keygen", "-o", sb.path("..", "bob.txt")])).trim();
    const cfg = readFileSync(sb.path(".sops.yaml"), "utf8");
    writeFileSync(sb.path(".sops.yaml"), cfg.replace(/(  - &me (age1\S+))/, `$1\n  - &bob ${second}`).replace(/- \*me/, "- *me\n          - *bob"));
    await sb.ok(["updatekeys", "-y", FILE]);
    sb.git("add", "-A");
    sb.git("commit", "-q", "-m", "grant bob", "--author", "Alice <alice@example.com>");
    await set("api_token", '"tok-2"');
    sb.git("commit", "-q", "-a", "-m", "new token", "--author", "Carol <carol@example.com>");
    const j = JSON.parse(await sb.ok(["audit", "--format", "json"]));
    expect(j.files.map((f: { file: string }) => f.file)).toEqual([FILE]);
    const f = j.files[0];
    expect(f.access.map((a: { message: string; readers: Array<{ name?: string }> }) => [a.message, a.readers.map((r) => r.name).sort()])).toEqual([
      ["initial secrets", ["me"]],
      ["grant bob", ["bob", "me"]],
    ]);
    expect(f.access[1].policy.map((r: { name: string }) => r.name).sort()).toEqual(["bob", "me"]);
    const token = f.secrets.find((s: { path: string }) => s.path === '["api_token"]');
    expect(token.events.map((e: { change: string; author: string }) => `${e.change}:${e.author}`)).toEqual(["added:Test", "changed:Carol"]);
    expect(token.couldHaveReadCurrentValue.map((r: { name: string }) => r.name).sort()).toEqual(["bob", "me"]);
    const tomorrow = new Date(Date.now() + 86_400_000).toISOString().slice(0, 10);
    const later = JSON.parse(await sb.ok(["audit", "--format", "json", "--since", tomorrow]));
    expect(later.files[0].secrets).toEqual([]);
    expect(JSON.parse(await sb.ok(["log", FILE, "--format", "json", "--since", tomorrow])).secrets).toEqual([]);
    const md = await sb.ok(["audit"]);
    expect(md).toContain(`## ${FILE}`);
    expect(md).toContain("| `[\"api_token\"]` |");
    expect(md).not.toMatch(/tok-2|tok-base/);
  });
});

describe("errors", () => {
  it("outside a git repository: one line, no stack", async () => {
    const plain = new Sandbox({ git: false });
    try {
      writeFileSync(plain.path("a.yaml"), "a: 1\n");
      const r = await plain.run(["log", "a.yaml"]);
      expect(r.code).not.toBe(0);
      expect(r.stderr).toBe("secrets: a.yaml: not inside a git work tree\n");
      const f = await plain.run(["log", "a.yaml", "--format", "xml"]);
      expect(f.stderr).toBe("secrets: invalid --format (expected one of table, json)\n");
    } finally {
      plain.cleanup();
    }
    expect(existsSync(sb.repo)).toBe(true);
  });
});
