import { spawnSync } from "node:child_process";
import { mkdirSync, readdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { CLI, Sandbox } from "../helpers/cli.js";
import { EDITOR_SCRIPT, PTY_SCRIPT } from "../helpers/editor.js";

/**
 * `secrets edit` on a real terminal: a pseudo-terminal from Python's pty and from util-linux's
 * `script` (system programs, so this file runs in `npm run test:interop`).
 */

const PLAIN = "db:\n    password: edit-me-secret\nreplicas: 3\n";

let sb: Sandbox;
let editorEnv: NodeJS.ProcessEnv;
beforeEach(() => {
  sb = new Sandbox();
  writeFileSync(join(sb.dir, "editor.mjs"), EDITOR_SCRIPT);
  editorEnv = { SOPS_EDITOR: `${process.execPath} ${join(sb.dir, "editor.mjs")}`, EDIT_LOG: join(sb.dir, "edit-log.json") };
});
afterEach(() => sb.cleanup());

const noPlaintextLeft = () => expect(readdirSync(sb.tmp)).toEqual([]);

describe("the edit prompt on a pseudo-terminal", () => {
  beforeEach(async () => {
    await sb.ok(["keygen"]);
    await sb.ok(["init"]);
    mkdirSync(sb.path("secrets"));
    writeFileSync(sb.path("secrets/app.yaml"), PLAIN);
    await sb.ok(["encrypt", "-i", "secrets/app.yaml"]);
  });

  it("Ctrl-C at the 'return to the editor' prompt: exit 130 as for an interrupt, nothing written, no plaintext left", () => {
    const before = readFileSync(sb.path("secrets/app.yaml"), "utf8");
    writeFileSync(join(sb.dir, "run-on-tty.py"), PTY_SCRIPT);
    const r = spawnSync("python3", [join(sb.dir, "run-on-tty.py"), "Press Enter", "\x03", process.execPath, CLI, "edit", "secrets/app.yaml"], {
      cwd: sb.repo,
      env: { ...sb.env, ...editorEnv, EDIT_MODE: "invalid" },
      encoding: "utf8",
      timeout: 40_000,
    });
    expect(r.stdout).toContain("Press Enter to return to the editor");
    expect(r.stdout).not.toContain("internal error");
    expect(r.stdout).toMatch(/secrets: secrets\/app.yaml: interrupted/);
    expect(r.status, r.stdout).toBe(130);
    expect(readFileSync(sb.path("secrets/app.yaml"), "utf8")).toBe(before);
    noPlaintextLeft();
  });
});

describe("edit on a terminal", () => {
  it("invalid YAML re-opens the editor after Enter; the second, valid edit is saved", async () => {
    await sb.ok(["keygen"]);
    writeFileSync(sb.path("a.yaml"), PLAIN);
    await sb.ok(["encrypt", "-i", "--age", readFileSync(join(sb.dir, "config/sops/age/keys.txt"), "utf8").match(/public key: (\S+)/)![1]!, "a.yaml"]);
    // An editor that writes broken YAML the first time and a valid change the second time.
    const editor = join(sb.dir, "editor.mjs");
    writeFileSync(
      editor,
      `import { readFileSync, writeFileSync, existsSync } from "node:fs";
const f = process.argv[2], mark = process.env.EDIT_MARK;
if (!existsSync(mark)) { writeFileSync(mark, "1"); writeFileSync(f, "token: [unclosed\\n"); }
else writeFileSync(f, readFileSync(f, "utf8").replace("[unclosed", "edited-on-second-try"));
`,
    );
    const env = { ...sb.env, SOPS_EDITOR: `${process.execPath} ${editor}`, EDIT_MARK: join(sb.dir, "mark") };
    const cmd = `${JSON.stringify(process.execPath)} ${JSON.stringify(CLI)} edit a.yaml`;
    const r = spawnSync("script", ["-qec", cmd, "/dev/null"], { cwd: sb.repo, env, input: "\n", encoding: "utf8", timeout: 30_000 });
    expect(r.stdout).toMatch(/invalid YAML at line \d+/);
    expect(r.stdout).toMatch(/Press Enter to return to the editor/);
    expect(await sb.ok(["get", "a.yaml", "token"])).toBe("edited-on-second-try");
    expect(spawnSync("ls", ["-A", sb.tmp], { encoding: "utf8" }).stdout).toBe("");
  });
});
