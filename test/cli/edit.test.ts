import { spawn, spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, statSync, symlinkSync, writeFileSync } from "node:fs";
import { basename, dirname, join } from "node:path";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLI, Sandbox } from "../helpers/cli.js";
import { EDITOR_SCRIPT } from "../helpers/editor.js";

/**
 * `secrets edit` with a scripted editor. The editor records where it was pointed and with which
 * permissions, then does what EDIT_MODE says. After every outcome the sandbox's TMPDIR must be empty:
 * no plaintext left behind.
 */



const PLAIN = "db:\n    password: edit-me-secret\nreplicas: 3\n";

let sb: Sandbox;
let editorEnv: NodeJS.ProcessEnv;

/** The editor script and the encrypted fixture, made once with the CLI; each test gets a copy. */
let template: Sandbox;
beforeAll(async () => {
  const t = (template = new Sandbox());
  writeFileSync(join(t.dir, "editor.mjs"), EDITOR_SCRIPT);
  await t.ok(["keygen"]);
  await t.ok(["init"]);
  mkdirSync(t.path("secrets"));
  writeFileSync(t.path("secrets/app.yaml"), PLAIN);
  await t.ok(["encrypt", "-i", "secrets/app.yaml"]);
});
afterAll(() => template?.cleanup());

beforeEach(() => {
  sb = new Sandbox({ from: template });
  editorEnv = { SOPS_EDITOR: `${process.execPath} ${join(sb.dir, "editor.mjs")}`, EDIT_LOG: join(sb.dir, "edit-log.json") };
});
afterEach(() => sb.cleanup());

/** The file a failed save kept the user's text in, as the error names it; checks it is private. */
function keptText(stderr: string): string {
  const m = /your text is kept in (\S+) \(readable only by you\); remove it when done/.exec(stderr);
  expect(m, stderr).not.toBeNull();
  const kept = m![1]!;
  expect(dirname(kept).startsWith(sb.tmp)).toBe(true);
  expect(basename(dirname(kept))).toMatch(/^secrets-edit-kept-/);
  expect(statSync(kept).mode & 0o777).toBe(0o600);
  expect(statSync(dirname(kept)).mode & 0o777).toBe(0o700);
  return readFileSync(kept, "utf8");
}

const noPlaintextLeft = () => expect(readdirSync(sb.tmp)).toEqual([]);
const edit = (mode: string, file = "secrets/app.yaml") => sb.run(["edit", file], { env: { ...editorEnv, EDIT_MODE: mode } });

describe("secrets edit", () => {
  it("edits in a private 0700 dir (file 0600), changes only the edited value, removes the plaintext", async () => {
    const before = readFileSync(sb.path("secrets/app.yaml"), "utf8");
    const r = await edit("change");
    expect(r.code, r.stderr).toBe(0);
    const log = JSON.parse(readFileSync(editorEnv.EDIT_LOG!, "utf8"));
    expect(log.dirMode).toBe(0o700);
    expect(log.fileMode).toBe(0o600);
    expect(log.file.startsWith(sb.tmp)).toBe(true);
    noPlaintextLeft();
    const after = readFileSync(sb.path("secrets/app.yaml"), "utf8");
    const changed = before.split("\n").filter((l, i) => l !== after.split("\n")[i]).map((l) => l.trim().split(":")[0]);
    expect(changed.filter((k) => k !== "lastmodified")).toEqual(["replicas", "mac"]);
    expect(await sb.ok(["decrypt", "secrets/app.yaml"])).toBe(PLAIN.replace("replicas: 3", "replicas: 4"));
  });

  it("no change: exit 200, nothing written", async () => {
    const before = readFileSync(sb.path("secrets/app.yaml"), "utf8");
    const r = await edit("noop");
    expect(r.code).toBe(200);
    expect(readFileSync(sb.path("secrets/app.yaml"), "utf8")).toBe(before);
    noPlaintextLeft();
  });

  it("invalid YAML without a terminal to re-open the editor on: error, nothing written, the text kept privately", async () => {
    const before = readFileSync(sb.path("secrets/app.yaml"), "utf8");
    const r = await edit("invalid");
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^secrets: secrets\/app.yaml: invalid YAML at line \d+/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toContain("edit-me-secret");
    expect(readFileSync(sb.path("secrets/app.yaml"), "utf8")).toBe(before);
    expect(keptText(r.stderr)).toBe("a: [unclosed\n");
  });

  it("the save fails after the editor closed: the edited text is kept privately and the error says where", async () => {
    const r = await sb.run(["edit", "secrets/app.yaml"], { env: { ...editorEnv, EDIT_MODE: "change-then-block", BLOCK: sb.path("secrets/app.yaml") } });
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/^secrets: secrets\/app.yaml: changed by another writer while you edited; nothing was written to it/);
    expect(r.stderr.trim().split("\n")).toHaveLength(1);
    expect(r.stderr).not.toContain("edit-me-secret");
    expect(keptText(r.stderr)).toBe(PLAIN.replace("replicas: 3", "replicas: 4"));
  });

  it("another writer changes the file while the editor is open: its change stays, the edit is not saved, the text is kept", async () => {
    const r = await sb.run(["edit", "secrets/app.yaml"], { env: { ...editorEnv, EDIT_MODE: "change-while-set", CLI, TARGET: sb.path("secrets/app.yaml") } });
    expect(r.code).toBe(8);
    expect(r.stderr).toMatch(/^secrets: secrets\/app.yaml: changed by another writer while you edited; nothing was written to it/);
    const now = await sb.ok(["decrypt", "secrets/app.yaml"]);
    expect(now).toContain("other: set meanwhile");
    expect(now).toContain("replicas: 3");
    expect(keptText(r.stderr)).toBe(PLAIN.replace("replicas: 3", "replicas: 4"));
  });

  it("the editor fails: nothing written, no plaintext left", async () => {
    const before = readFileSync(sb.path("secrets/app.yaml"), "utf8");
    const r = await edit("fail");
    expect(r.code).not.toBe(0);
    expect(readFileSync(sb.path("secrets/app.yaml"), "utf8")).toBe(before);
    noPlaintextLeft();
  });

  for (const signal of ["SIGTERM", "SIGINT"] as const) {
    it(`${signal} while the editor is open: the plaintext is removed, the file untouched`, async () => {
      const before = readFileSync(sb.path("secrets/app.yaml"), "utf8");
      const child = spawn(process.execPath, [CLI, "edit", "secrets/app.yaml"], { cwd: sb.repo, env: { ...sb.env, ...editorEnv, EDIT_MODE: "sleep" }, stdio: "ignore" });
      const exited = new Promise<number | null>((resolve) => child.on("exit", (code) => resolve(code)));
      const deadline = Date.now() + 15_000;
      while (!existsSync(editorEnv.EDIT_LOG!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(existsSync(editorEnv.EDIT_LOG!)).toBe(true);
      expect(readdirSync(sb.tmp).length).toBe(1); // the private dir exists while editing
      child.kill(signal);
      const code = await exited;
      expect(code).toBe(signal === "SIGTERM" ? 143 : 130);
      noPlaintextLeft();
      expect(readFileSync(sb.path("secrets/app.yaml"), "utf8")).toBe(before);
    });
  }

  it("SIGKILL leaves the edit folder; the next edit removes it and says so, keeping a live edit's and a kept folder", async () => {
    const child = spawn(process.execPath, [CLI, "edit", "secrets/app.yaml"], { cwd: sb.repo, env: { ...sb.env, ...editorEnv, EDIT_MODE: "sleep" }, stdio: "ignore" });
    const exited = new Promise<void>((resolve) => child.on("exit", () => resolve()));
    const deadline = Date.now() + 15_000;
    while (!existsSync(editorEnv.EDIT_LOG!) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
    const log = JSON.parse(readFileSync(editorEnv.EDIT_LOG!, "utf8"));
    child.kill("SIGKILL");
    process.kill(log.pid, "SIGKILL"); // the editor is not ours to outlive the test
    await exited;
    const stale = dirname(log.file);
    expect(basename(stale)).toMatch(new RegExp(`^secrets-edit-${child.pid}-`));
    expect(existsSync(log.file)).toBe(true); // the plaintext a SIGKILL leaves behind
    rmSync(editorEnv.EDIT_LOG!);
    const live = join(sb.tmp, `secrets-edit-${process.pid}-abcdef`); // this test's own pid: alive
    const kept = join(sb.tmp, `secrets-edit-kept-${child.pid}-abcdef`);
    mkdirSync(live);
    mkdirSync(kept);

    const r = await edit("change");
    expect(r.code, r.stderr).toBe(0);
    expect(r.stderr).toBe(`secrets: removed a stale edit folder of a killed edit: ${stale}\n`);
    expect(existsSync(stale)).toBe(false);
    expect(readdirSync(sb.tmp).sort()).toEqual([basename(live), basename(kept)].sort());
  });

  it("a new file in a folder that does not exist yet: the folder is created and the file saved", async () => {
    const r = await edit("new", "secrets/fresh/deeper/new.yaml");
    expect(r.code, r.stderr).toBe(0);
    expect(await sb.ok(["get", "secrets/fresh/deeper/new.yaml", "token"])).toBe("brand-new-secret");
    noPlaintextLeft();
  });

  it("a missing folder is not created through a symlink that leads out of the working directory", async () => {
    const outside = join(sb.dir, "outside");
    mkdirSync(outside);
    symlinkSync(outside, sb.path("secrets/link"));
    const r = await edit("new", "secrets/link/sub/new.yaml");
    expect(r.code).toBe(3);
    expect(r.stderr).toMatch(/outside the working directory/);
    expect(readdirSync(outside)).toEqual([]);
    expect(keptText(r.stderr)).toBe("token: brand-new-secret\n");
  });

  it("a new file starts from a template and is encrypted under the .sops.yaml rule", async () => {
    const r = await edit("new", "secrets/new.yaml");
    expect(r.code, r.stderr).toBe(0);
    const text = readFileSync(sb.path("secrets/new.yaml"), "utf8");
    expect(text).toMatch(/^token: ENC\[AES256_GCM,/);
    expect(await sb.ok(["get", "secrets/new.yaml", "token"])).toBe("brand-new-secret");
    noPlaintextLeft();
  });
});
