import { mkdirSync, writeFileSync } from "node:fs";
import { afterEach, beforeEach, describe, expect, it } from "vitest";
import { checkConfigKeys } from "../../src/policy/lint.js";
import { parseConfig } from "../../src/policy/load.js";
import { Sandbox } from "../helpers/cli.js";

/**
 * Keys sops ignores (a misspelt `creation_rule:`, an unknown rule key) and a config without creation
 * rules: errors for `secrets verify`, which would otherwise pass on checking nothing; warnings on
 * stderr for every other command (sops accepts such a file).
 */

describe("checkConfigKeys", () => {
  it("names each unknown key with its line and a suggestion, and a missing rule list", () => {
    const c = parseConfig("creation_rule:\n  - path_regex: x\n    age: age1x\n", "/r/.sops.yaml");
    expect(checkConfigKeys(c)).toEqual([
      { code: "unknown-key", at: "creation_rule", line: 2, message: "unknown key, ignored by sops (did you mean creation_rules?)" },
      { code: "no-rules", at: "creation_rules", line: undefined, message: "no creation rules: no file is a secret file, so nothing is checked or can be encrypted" },
    ]);
    const r = parseConfig("creation_rules:\n  - path_regexp: x\n    colour: blue\n", "/r/.sops.yaml");
    expect(checkConfigKeys(r)).toEqual([
      { code: "unknown-key", at: "creation_rules[0].path_regexp", line: 2, message: "unknown key, ignored by sops (did you mean path_regex?)" },
      { code: "unknown-key", at: "creation_rules[0].colour", line: 3, message: "unknown key, ignored by sops" },
    ]);
    expect(checkConfigKeys(parseConfig("creation_rules: []\n", "/r/.sops.yaml")).map((f) => f.code)).toEqual(["no-rules"]);
  });
});

let sb: Sandbox;
let recipient: string;
beforeEach(async () => {
  sb = new Sandbox();
  recipient = (await sb.ok(["keygen"])).trim();
  mkdirSync(sb.path("secrets"));
});
afterEach(() => sb.cleanup());

describe("secrets verify on a config sops would silently ignore parts of", () => {
  it("a misspelt top-level creation_rule: fails (it used to pass with 0 secret files)", async () => {
    writeFileSync(sb.path(".sops.yaml"), `creation_rule:\n  - path_regex: ^secrets/\n    age: ${recipient}\n`);
    const r = await sb.run(["verify"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toBe(
      [
        ".sops.yaml:2: error: creation_rule: unknown key, ignored by sops (did you mean creation_rules?)",
        ".sops.yaml: error: creation_rules: no creation rules: no file is a secret file, so nothing is checked or can be encrypted",
        "verify: FAILED: 2 config errors in 0 secret files; MACs not checked (no key for any file)",
        "",
      ].join("\n"),
    );
    expect(r.stderr).toBe("");
    const json = JSON.parse((await sb.run(["verify", "--format", "json"])).stdout);
    expect(json.ok).toBe(false);
    expect(json.configErrors.map((c: { code: string }) => c.code)).toEqual(["unknown-key", "no-rules"]);
  });

  it("an unknown rule key fails", async () => {
    writeFileSync(sb.path(".sops.yaml"), `creation_rules:\n  - path_regexp: ^secrets/\n    age: ${recipient}\n`);
    const r = await sb.run(["verify"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain(".sops.yaml:2: error: creation_rules[0].path_regexp: unknown key, ignored by sops (did you mean path_regex?)\n");
  });

  it("a config without rules fails; a valid one still passes", async () => {
    writeFileSync(sb.path(".sops.yaml"), "creation_rules: []\n");
    const r = await sb.run(["verify"]);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain("error: creation_rules: no creation rules");
    writeFileSync(sb.path(".sops.yaml"), `creation_rules:\n  - path_regex: ^secrets/\n    age: ${recipient}\n`);
    writeFileSync(sb.path("secrets/a.yaml"), "k: v\n");
    await sb.ok(["encrypt", "-i", "secrets/a.yaml"]);
    const ok = await sb.run(["verify"]);
    expect(ok.code).toBe(0);
    expect(ok.stdout).toMatch(/\nverify: ok: 1 secret file /);
  });
});

describe("other commands", () => {
  it("warn on stderr about an unknown key and go on (sops accepts the file)", async () => {
    writeFileSync(sb.path(".sops.yaml"), `creation_rules:\n  - path_regex: ^secrets/\n    age: ${recipient}\n    path_regexp: typo\n`);
    writeFileSync(sb.path("secrets/a.yaml"), "k: v\n");
    const r = await sb.run(["encrypt", "-i", "secrets/a.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stderr).toBe(`secrets: warning: ${sb.path(".sops.yaml")}:4: creation_rules[0].path_regexp: unknown key, ignored by sops (did you mean path_regex?)\n`);
  });
});
