import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { simpleGit, type SimpleGit } from "simple-git";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { createKeySource } from "../../src/keys/source.js";
import { unwrapDataKey } from "../../src/sops/document.js";
import { parseMetadata } from "../../src/sops/metadata.js";
import { yamlStore } from "../../src/sops/stores/yaml.js";
import { Sandbox } from "../helpers/cli.js";

/**
 * The access-policy commands end to end, through the built CLI, in temporary git repositories
 * (driven with simple-git): grant/revoke round trips, offboarding, drift, verify, policy diff.
 */

const APP = "db:\n    password: hunter2-prod\napi_token: tok_live_42\n";
const DEV = "debug_token: dev-only-99\n";
const VALUES = ["hunter2-prod", "tok_live_42", "dev-only-99"];

/** The fixture repository, built once with the CLI; each test works in its own copy (`sb`). */
let template: Sandbox;
let sb: Sandbox;
let git: SimpleGit;
let me: string;
let bob: string;
let bobKey: string;
/** Run as bob: only bob's key file, not the sandbox's default key file. */
let asBob: NodeJS.ProcessEnv;

const POLICY = (meR: string) => `# Who can read which secrets.
keys:
  - &me ${meR} # the repo owner
creation_rules:
  # production
  - path_regex: ^secrets/prod/.*
    key_groups:
      - age: [*me]
  - path_regex: ^secrets/dev/.*
    key_groups:
      - age:
          - *me
`;

beforeAll(async () => {
  const t = (template = new Sandbox());
  me = (await t.ok(["keygen"])).trim();
  bob = (await t.ok(["keygen", "-o", t.path("..", "bob.txt")])).trim();
  writeFileSync(t.path(".sops.yaml"), POLICY(me));
  mkdirSync(t.path("secrets/prod"), { recursive: true });
  mkdirSync(t.path("secrets/dev"), { recursive: true });
  writeFileSync(t.path("secrets/prod/app.yaml"), APP);
  writeFileSync(t.path("secrets/prod/db.json"), '{"password": "hunter2-prod"}\n');
  writeFileSync(t.path("secrets/dev/app.env"), "DEBUG_TOKEN=dev-only-99\n");
  writeFileSync(t.path("secrets/dev/app.yaml"), DEV);
  for (const f of ["secrets/prod/app.yaml", "secrets/prod/db.json", "secrets/dev/app.env", "secrets/dev/app.yaml"]) await t.ok(["encrypt", "-i", f]);
  await simpleGit({ baseDir: t.repo, config: ["user.name=Test", "user.email=test@example.com"] }).add(".").commit("initial secrets");
});
afterAll(() => template?.cleanup());

beforeEach(() => {
  sb = new Sandbox({ from: template });
  git = simpleGit({ baseDir: sb.repo, config: ["user.name=Test", "user.email=test@example.com"] });
  bobKey = sb.path("..", "bob.txt");
  asBob = { SOPS_AGE_KEY_FILE: bobKey, XDG_CONFIG_HOME: sb.path("..", "nobody") };
});
afterEach(() => sb.cleanup());

function dataKeyOf(file: string, env: NodeJS.ProcessEnv): Promise<Uint8Array> {
  const stored = yamlStore.parseEncrypted(readFileSync(sb.path(file)));
  return unwrapDataKey(parseMetadata(stored.metadata!), createKeySource({ env: { ...sb.env, ...env } }));
}

function recipientsIn(file: string): string[] {
  const text = readFileSync(sb.path(file), "utf8");
  return [...text.matchAll(/recipient"?: "?(age1[0-9a-z]+)/g)].map((m) => m[1]!).sort();
}

async function diffJson(...args: string[]): Promise<Array<Record<string, string>>> {
  return JSON.parse(await sb.ok(["policy", "diff", ...args, "--format", "json"])).changes;
}

describe("verify", () => {
  it("passes with a one-line summary when every file matches its rule", async () => {
    const r = await sb.run(["verify"]);
    expect(r.code).toBe(0);
    expect(r.stdout.trim().split("\n")).toHaveLength(1);
    expect(r.stdout).toMatch(/^verify: ok: 4 secret files .*MACs checked on 4 files/);
  });

  it("fails on a plaintext file a rule covers, on malformed metadata and on a bad MAC; never prints a value", async () => {
    writeFileSync(sb.path("secrets/prod/new.yaml"), "leaked: s3cr3t-in-clear\n");
    const text = readFileSync(sb.path("secrets/dev/app.yaml"), "utf8");
    writeFileSync(sb.path("secrets/dev/app.yaml"), text.replace(/\n    lastmodified: .*\n/, "\n"));
    // Tamper: swap two ciphertexts (each still decrypts? no: AAD binds the path), so the value fails.
    const app = readFileSync(sb.path("secrets/prod/app.yaml"), "utf8");
    writeFileSync(sb.path("secrets/prod/app.yaml"), app.replace(/(mac: ENC\[AES256_GCM,data:)(.)/, (_m, a, c) => a + (c === "A" ? "B" : "A")));
    const r = await sb.run(["verify"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toMatch(/^secrets\/prod\/new\.yaml: not encrypted, but creation_rules\[0\] covers it/m);
    expect(r.stdout).toMatch(/^secrets\/dev\/app\.yaml: malformed: .*lastmodified is missing/m);
    expect(r.stdout).toMatch(/^secrets\/prod\/app\.yaml: .*MAC/m);
    expect(r.stdout).toMatch(/verify: FAILED: 3 problems in 5 secret files/);
    for (const v of [...VALUES, "s3cr3t-in-clear"]) expect(r.stdout + r.stderr).not.toContain(v);

    // Without a key, only metadata is checked: the tampered MAC goes unnoticed, the rest does not.
    const nokey = await sb.run(["verify", "--format", "json"], { env: { XDG_CONFIG_HOME: sb.path("..", "nobody") } });
    expect(nokey.code).toBe(1);
    const report = JSON.parse(nokey.stdout);
    expect(report.ok).toBe(false);
    expect(report.macChecked).toBe(0);
    expect(report.problems.map((p: { file: string; kind: string }) => `${p.kind} ${p.file}`)).toEqual(["malformed secrets/dev/app.yaml", "plaintext secrets/prod/new.yaml"]);
  });

  it("warns about unnamed recipients, shadowed and unused rules; --strict fails on them", async () => {
    const cfg = readFileSync(sb.path(".sops.yaml"), "utf8");
    writeFileSync(sb.path(".sops.yaml"), cfg + `  - path_regex: ^secrets/prod/app\\.yaml$\n    age: ${bob}\n  - path_regex: ^nothing/here/\n    age: [*me]\n`);
    const r = await sb.run(["verify", "--no-mac"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^\.sops\.yaml:13: warning: creation_rules\[2\]: never applies: every file it matches \(1\) is matched first by creation_rules\[0\]$/m);
    expect(r.stdout).toMatch(/^\.sops\.yaml:14: warning: creation_rules\[2\]\.age: recipient age1.* has no name/m);
    expect(r.stdout).toMatch(/^\.sops\.yaml:15: warning: creation_rules\[3\]: matches no file in the repository$/m);
    expect((await sb.run(["verify", "--no-mac", "--strict"])).code).toBe(1);
  });
});

describe("drift", () => {
  it("a file re-encrypted by hand is caught by verify and repaired (with a new data key) by updatekeys --all", async () => {
    const before = await dataKeyOf("secrets/prod/app.yaml", {});
    await sb.ok(["rotate", "-i", "--add-age", bob, "secrets/prod/app.yaml"]);
    expect(await sb.ok(["decrypt", "secrets/prod/app.yaml"], { env: asBob })).toBe(APP);

    const v = await sb.run(["verify"]);
    expect(v.code).toBe(1);
    expect(v.stdout).toMatch(/^secrets\/prod\/app\.yaml: recipients differ from creation_rules\[0\]: extra age1/m);

    const noYes = await sb.run(["updatekeys", "--all"]);
    expect(noYes.code).not.toBe(0); // no TTY: needs --yes
    expect(noYes.stderr).toContain("--yes");
    const r = await sb.run(["updatekeys", "--all", "--yes"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toContain("updatekeys: 1 file updated (1 with a new data key)");
    expect(r.stdout).toContain("could read these secrets; rotate them at their source:");
    expect(r.stdout).toContain('secrets/prod/app.yaml: ["db"]["password"], ["api_token"]');
    for (const v of VALUES) expect(r.stdout + r.stderr).not.toContain(v);

    expect(recipientsIn("secrets/prod/app.yaml")).toEqual([me]);
    expect((await sb.run(["decrypt", "secrets/prod/app.yaml"], { env: asBob })).code).toBe(128);
    expect(await sb.ok(["decrypt", "secrets/prod/app.yaml"])).toBe(APP);
    expect(Buffer.from(await dataKeyOf("secrets/prod/app.yaml", {})).equals(Buffer.from(before))).toBe(false);
    expect((await sb.run(["verify"])).code).toBe(0);
    expect((await sb.run(["updatekeys", "--all", "--yes"])).stderr).toContain("all 4 secret files match their rules");
  });

  it("a recipient missing from a file is added back without touching values or the MAC", async () => {
    writeFileSync(sb.path(".sops.yaml"), POLICY(me).replace("      - age: [*me]", `      - age: [*me, ${bob}]`));
    const before = readFileSync(sb.path("secrets/prod/app.yaml"), "utf8");
    expect((await sb.run(["verify"])).stdout).toMatch(/secrets\/prod\/app\.yaml: recipients differ from creation_rules\[0\]: missing age1/);
    await sb.ok(["updatekeys", "--all", "-y"]);
    const after = readFileSync(sb.path("secrets/prod/app.yaml"), "utf8");
    expect(after.split("sops:")[0]).toBe(before.split("sops:")[0]);
    expect(after.match(/mac: .*/)![0]).toBe(before.match(/mac: .*/)![0]);
    expect(await sb.ok(["decrypt", "secrets/prod/db.json"], { env: asBob })).toBe('{\n\t"password": "hunter2-prod"\n}\n');
  });

  it("updatekeys --all changes nothing when one drifting file cannot be opened", async () => {
    // A file only bob can open, drifting from its rule (which names me only).
    writeFileSync(sb.path("secrets/prod/bob.yaml"), "k: v\n");
    await sb.ok(["encrypt", "-i", "--age", bob, "secrets/prod/bob.yaml"]);
    await sb.ok(["rotate", "-i", "--add-age", bob, "secrets/prod/app.yaml"]);
    const snapshot = ["secrets/prod/bob.yaml", "secrets/prod/app.yaml"].map((f) => readFileSync(sb.path(f), "utf8"));
    const r = await sb.run(["updatekeys", "--all", "--yes"]);
    expect(r.code).toBe(128);
    expect(r.stderr).toMatch(/^secrets: cannot update 1 of 2 drifting files, so nothing was changed: secrets\/prod\/bob\.yaml/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(["secrets/prod/bob.yaml", "secrets/prod/app.yaml"].map((f) => readFileSync(sb.path(f), "utf8"))).toEqual(snapshot);
  });
});

describe("access grant / revoke", () => {
  it("grant then revoke: round trip with one commit each; the revoked key opens nothing and data keys change", async () => {
    const original = readFileSync(sb.path(".sops.yaml"), "utf8");
    const g = await sb.run(["access", "grant", "bob", bob, "--path", "^secrets/prod/.*", "--commit"]);
    expect(g.code, g.stderr).toBe(0);
    const granted = readFileSync(sb.path(".sops.yaml"), "utf8");
    // Comments, anchors and order kept; one new key line, one new alias.
    expect(granted).toBe(original.replace("# the repo owner\n", `# the repo owner\n  - &bob ${bob}\n`).replace("[*me]", "[*me, *bob]"));
    expect(await sb.ok(["decrypt", "secrets/prod/app.yaml"], { env: asBob })).toBe(APP);
    expect((await sb.run(["decrypt", "secrets/dev/app.yaml"], { env: asBob })).code).toBe(128);
    const log1 = await git.log();
    expect(log1.total).toBe(2);
    expect(log1.latest!.message).toBe("secrets access grant bob (^secrets/prod/.*)");
    const shown = await git.show(["--name-only", "--format=", "HEAD"]);
    expect(shown.trim().split("\n").sort()).toEqual([".sops.yaml", "secrets/prod/app.yaml", "secrets/prod/db.json"]);
    expect((await git.status()).isClean()).toBe(true);
    expect((await sb.run(["verify"])).code).toBe(0);

    const keysBefore = await dataKeyOf("secrets/prod/app.yaml", {});
    const rv = await sb.run(["access", "revoke", "bob", "--commit"]);
    expect(rv.code, rv.stderr).toBe(0);
    expect(readFileSync(sb.path(".sops.yaml"), "utf8")).toBe(original);
    expect(rv.stdout).toContain("bob could read these secrets; rotate them at their source:");
    expect(rv.stdout).toContain('secrets/prod/app.yaml: ["db"]["password"], ["api_token"]');
    expect(rv.stdout).toContain('secrets/prod/db.json: ["password"]');
    for (const v of VALUES) expect(rv.stdout + rv.stderr).not.toContain(v);
    for (const f of ["secrets/prod/app.yaml", "secrets/prod/db.json", "secrets/dev/app.env", "secrets/dev/app.yaml"]) {
      expect((await sb.run(["decrypt", f], { env: asBob })).code, f).toBe(128);
      expect(readFileSync(sb.path(f), "utf8")).not.toContain(bob);
    }
    expect(Buffer.from(await dataKeyOf("secrets/prod/app.yaml", {})).equals(Buffer.from(keysBefore))).toBe(false);
    expect(await sb.ok(["decrypt", "secrets/prod/app.yaml"])).toBe(APP);
    const log2 = await git.log();
    expect(log2.total).toBe(3);
    expect(log2.latest!.message).toBe("secrets access revoke bob");
    expect((await git.status()).isClean()).toBe(true);
    expect((await sb.run(["verify"])).code).toBe(0);
  });

  it("grant with a new path adds a rule; grant refuses a new rule that would take files from another", async () => {
    mkdirSync(sb.path("secrets/ci"));
    const cfg = readFileSync(sb.path(".sops.yaml"), "utf8");
    await sb.ok(["access", "grant", "ci", bob, "--path", "^secrets/ci/"]);
    const after = readFileSync(sb.path(".sops.yaml"), "utf8");
    expect(after.startsWith(cfg.replace("# the repo owner\n", `# the repo owner\n  - &ci ${bob}\n`))).toBe(true);
    expect(after.slice(cfg.length + `  - &ci ${bob}\n`.length)).toBe('  - path_regex: "^secrets/ci/"\n    key_groups:\n      - age:\n          - *ci\n');
    const r = await sb.run(["access", "grant", "ci", "--path", "^secrets/"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/^secrets: no rule has path_regex "\^secrets\/", and 4 file\(s\) it matches are covered by creation_rules\[0\], creation_rules\[1\]; grant with that rule's path_regex instead\n$/);
    expect(readFileSync(sb.path(".sops.yaml"), "utf8")).toBe(after);
  });

  it("--policy-only edits .sops.yaml alone; verify then reports the drift until updatekeys --all", async () => {
    const r = await sb.run(["access", "grant", "bob", bob, "--path", "^secrets/dev/.*", "--policy-only"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("run `secrets updatekeys --all`");
    expect((await git.status()).modified).toEqual([".sops.yaml"]);
    const v = await sb.run(["verify", "--format", "json"]);
    expect(v.code).toBe(1);
    expect(JSON.parse(v.stdout).problems.map((p: { file: string; missing: Array<{ name: string }> }) => `${p.file} ${p.missing.map((m) => m.name)}`)).toEqual([
      "secrets/dev/app.env bob",
      "secrets/dev/app.yaml bob",
    ]);
    await sb.ok(["updatekeys", "--all", "--yes"]);
    expect((await sb.run(["verify"])).code).toBe(0);
    expect(await sb.ok(["decrypt", "secrets/dev/app.yaml"], { env: asBob })).toBe(DEV);
  });

  it("single-file updatekeys also gives a new data key when its rule drops a recipient", async () => {
    await sb.ok(["rotate", "-i", "--add-age", bob, "secrets/dev/app.yaml"]);
    const before = await dataKeyOf("secrets/dev/app.yaml", {});
    const r = await sb.run(["updatekeys", "-y", "secrets/dev/app.yaml"]);
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toContain("secrets/dev/app.yaml: updated (new data key)");
    expect(r.stdout).toContain('secrets/dev/app.yaml: ["debug_token"]');
    expect(Buffer.from(await dataKeyOf("secrets/dev/app.yaml", {})).equals(Buffer.from(before))).toBe(false);
    expect((await sb.run(["decrypt", "secrets/dev/app.yaml"], { env: asBob })).code).toBe(128);
  });

  it("revoke refuses to leave a rule without recipients, and names unknown recipients", async () => {
    const r = await sb.run(["access", "revoke", "me"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toMatch(/revoking me would leave creation_rules\[0\]\.key_groups\[0\] with no age recipient/);
    expect((await sb.run(["access", "revoke", "nobody"])).stderr).toMatch(/no recipient named nobody/);
  });

  it("access list shows each file's own readers beside the policy's, by name", async () => {
    await sb.ok(["rotate", "-i", "--add-age", bob, "secrets/dev/app.yaml"]);
    const table = await sb.ok(["access", "list"]);
    expect(table.split("\n")[0]).toMatch(/^FILE\s+RULE\s+CAN READ \(file\)\s+SHOULD READ \(policy\)\s+STATUS$/);
    expect(table).toMatch(/^secrets\/dev\/app\.yaml\s+#1\s+me, age1\S+\s+me\s+DRIFT$/m);
    expect(table).toMatch(/^secrets\/prod\/app\.yaml\s+#0\s+me\s+me\s+ok$/m);
    const json = JSON.parse(await sb.ok(["access", "list", "secrets/prod", "--format", "json"]));
    expect(json.files.map((f: { file: string }) => f.file)).toEqual(["secrets/prod/app.yaml", "secrets/prod/db.json"]);
    expect(json.files[0].readers).toEqual([{ name: "me", recipient: me, group: 0 }]);
    expect(json.files[0].expected).toEqual([{ name: "me", recipient: me, group: 0 }]);
  });

  it("access list --recipient: only the files that recipient can open on its own (by key or by name)", async () => {
    await sb.ok(["rotate", "-i", "--add-age", bob, "secrets/dev/app.yaml"]);
    const files = async (...args: string[]) => (JSON.parse(await sb.ok(["access", "list", "--format", "json", ...args])) as { files: Array<{ file: string }> }).files.map((f) => f.file);
    expect(await files("--recipient", bob)).toEqual(["secrets/dev/app.yaml"]);
    expect(await files("--recipient", "me")).toEqual(["secrets/dev/app.env", "secrets/dev/app.yaml", "secrets/prod/app.yaml", "secrets/prod/db.json"]);
    expect(await sb.ok(["access", "list", "--recipient", bob])).toMatch(/^secrets\/dev\/app\.yaml\s+#1/m);
    // A secret key pasted in the wrong place is refused without being echoed.
    const pasted = readFileSync(bobKey, "utf8").match(/AGE-SECRET-KEY-1\S+/)![0];
    const r = await sb.run(["access", "list", "--recipient", pasted]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/--recipient: not a name in \.sops\.yaml/);
    expect(r.stderr + r.stdout).not.toContain(pasted);
  });
});

describe("policy diff", () => {
  it("finds a recipient gained through a policy edit (with or without re-encryption)", async () => {
    expect(await diffJson("HEAD")).toEqual([]);
    const cfg = readFileSync(sb.path(".sops.yaml"), "utf8");
    writeFileSync(sb.path(".sops.yaml"), cfg.replace("# the repo owner\n", `# the repo owner\n  - &bob ${bob}\n`).replace("[*me]", "[*me, *bob]"));
    const pending = await diffJson("HEAD");
    expect(pending).toEqual([
      { file: "secrets/prod/app.yaml", name: "bob", recipient: bob, change: "gained", source: "policy" },
      { file: "secrets/prod/db.json", name: "bob", recipient: bob, change: "gained", source: "policy" },
    ]);
    await sb.ok(["updatekeys", "--all", "--yes"]);
    await git.add(".").commit("grant bob");
    const changes = await diffJson("HEAD~1", "HEAD");
    expect(changes.map((c) => `${c.file} ${c.name} ${c.change} ${c.source}`)).toEqual([
      "secrets/prod/app.yaml bob gained both",
      "secrets/prod/db.json bob gained both",
    ]);
    const md = await sb.ok(["policy", "diff", "HEAD~1", "HEAD"]);
    expect(md).toContain("| File | Who | Recipient | Change | Seen in |");
    expect(md).toMatch(/\| `secrets\/prod\/app\.yaml` \| bob \| `age1\S+` \| \*\*gained\*\* \| policy and file \|/);
    const fail = await sb.run(["policy", "diff", "HEAD~1", "HEAD", "--fail-on-change"]);
    expect(fail.code).toBe(1);
    expect((await sb.run(["policy", "diff", "HEAD", "HEAD", "--fail-on-change"])).code).toBe(0);
  });

  it("finds a recipient gained by a file re-encrypted by hand, without any policy edit", async () => {
    await sb.ok(["rotate", "-i", "--add-age", bob, "secrets/dev/app.env"]);
    const changes = await diffJson("HEAD");
    expect(changes).toEqual([{ file: "secrets/dev/app.env", name: null, recipient: bob, change: "gained", source: "file" }]);
    await git.add(".").commit("sneaky");
    expect(await diffJson("HEAD~1", "HEAD")).toEqual(changes);
    const md = await sb.ok(["policy", "diff", "HEAD~1"]);
    expect(md).toContain("**Warning:** 1 change is in encrypted files without a matching change of `.sops.yaml`.");
    expect(md).toContain("— `.sops.yaml` is unchanged");
    // A grant applies the whole policy (updatekeys --all), so it also undoes the hand-made change;
    // a later revoke shows as lost, named by the base policy when the head no longer names it.
    await sb.ok(["access", "grant", "bob", bob, "--path", "^secrets/prod/.*", "--commit"]);
    const granted = await diffJson("HEAD~1", "HEAD");
    expect(granted.map((c) => `${c.file} ${c.name} ${c.change} ${c.source}`)).toEqual([
      "secrets/dev/app.env bob lost file",
      "secrets/prod/app.yaml bob gained both",
      "secrets/prod/db.json bob gained both",
    ]);
    await sb.ok(["access", "revoke", "bob", "--commit"]);
    const lost = await diffJson("HEAD~1", "HEAD");
    expect(lost.map((c) => `${c.file} ${c.name} ${c.change} ${c.source}`)).toEqual([
      "secrets/prod/app.yaml bob lost both",
      "secrets/prod/db.json bob lost both",
    ]);
  });

  it("reports new secret files as gains and an unknown revision as a one-line error", async () => {
    writeFileSync(sb.path("secrets/dev/new.yaml"), "k: v\n");
    await sb.ok(["encrypt", "-i", "secrets/dev/new.yaml"]);
    expect(await diffJson("HEAD")).toEqual([
      { file: "secrets/dev/new.yaml", name: "me", recipient: me, change: "gained", source: "both" },
    ]);
    const r = await sb.run(["policy", "diff", "nope"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('secrets: unknown revision "nope"\n');
  });
});

describe("bad policy input", () => {
  it.each([
    ["a YAML syntax error", "keys:\n  - &me AGE\ncreation_rules:\n  - path_regex: [\n", /^secrets: \/.*\.sops\.yaml:5:\d+: YAML syntax error: /],
    ["an unknown alias", "creation_rules:\n  - path_regex: x\n    age: [*alice]\n", /^secrets: \/.*\.sops\.yaml:3:11: unknown anchor "alice"/],
    ["an invalid recipient", "keys:\n  - &bad age1qqqq\ncreation_rules:\n  - age: [*bad]\n", /^secrets: \/.*\.sops\.yaml:2:\d+: creation_rules\[0\]\.age\[0\]: invalid age recipient "age1qqqq": .* \(used as \*bad at line 4\)/],
  ])("%s: one line with the line number, for every command", async (_what, text, message) => {
    writeFileSync(sb.path(".sops.yaml"), text);
    for (const args of [["verify"], ["access", "list"], ["updatekeys", "--all"], ["policy", "diff", "HEAD"], ["access", "revoke", "me"]]) {
      const r = await sb.run(args);
      expect(r.code, args.join(" ")).toBe(1);
      expect(r.stderr, args.join(" ")).toMatch(message);
      expect(r.stderr.trim().split("\n"), args.join(" ")).toHaveLength(1);
      expect(r.stdout).toBe("");
    }
  });
});

describe("help", () => {
  it("every new command has --help with an example", async () => {
    for (const c of [["access"], ["access", "list"], ["access", "grant"], ["access", "revoke"], ["verify"], ["policy", "diff"], ["updatekeys"]]) {
      const r = await sb.run([...c, "--help"]);
      expect(r.code, c.join(" ")).toBe(0);
      expect(r.stdout, c.join(" ")).toContain("Examples:");
    }
  });
});
