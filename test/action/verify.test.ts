import { mkdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_SECRETS, installedAction, writeEncryptedFixture, type Fixture } from "./fixture.js";
import { inspectStage, parseCommand, prepareStep, readLines, runStage, type Step } from "./runner-harness.js";

/** `mode: verify`: `secrets verify` as a CI gate, run as the bundled action. */

const ACTION = installedAction();

function setup(withKey: boolean, change?: (ws: string, fx: Fixture) => void): { step: Step; fx: Fixture } {
  const step = prepareStep({ actionDir: ACTION, inputs: { mode: "verify" } });
  const fx = writeEncryptedFixture(step.dirs.workspace);
  if (withKey) step.env["INPUT_AGE-KEY"] = fx.ageKey;
  change?.(step.dirs.workspace, fx);
  return { step, fx };
}

const printed = (stdout: string) => readLines(stdout).filter((l) => parseCommand(l)?.name !== "add-mask");
const withoutReadme = (ws: string) => rmSync(join(ws, "secrets", "README.md"));

describe("verify", () => {
  it("passes when every secret file is encrypted to its rule's recipients, and checks MACs with age-key", () => {
    const { step, fx } = setup(true, withoutReadme);
    const main = runStage(step);
    expect(main.status).toBe(0);
    expect(main.stderr).toBe("");
    const r = inspectStage(step, main, { ...ALL_SECRETS, AGE_IDENTITY: fx.identity });
    expect(r.leaks).toEqual([]);
    const report = JSON.parse(r.outputs.values["verify-json"]!);
    expect(report).toMatchObject({ ok: true, files: 2, macChecked: 2, problems: [] });
    expect(printed(main.stdout)).toEqual(["verify ok: 2 secret files encrypted to their rules' recipients; MACs checked on 2."]);
    expect(r.summary).toMatch(/^### gitops-secrets verify: ok/);
  });

  it("fails on plaintext under a rule, drift from the rule, and (with a key) a tampered file; each listed by name", () => {
    const { step, fx } = setup(true, (ws, f) => {
      const cfg = join(ws, ".sops.yaml");
      // extra.json drifts: the rule now names bob instead of alice, the file was not updated.
      writeFileSync(
        cfg,
        readFileSync(cfg, "utf8")
          .replace(`  - &alice ${f.otherRecipient}\n`, `  - &alice ${f.otherRecipient}\n  - &bob ${f.strangerRecipient}\n`)
          .replace('  - path_regex: "(^|/)secrets/"', `  - path_regex: "extra\\\\.json$"\n    key_groups:\n      - age:\n          - *deploy\n          - *bob\n  - path_regex: "(^|/)secrets/"`),
      );
      const app = join(ws, "secrets", "prod", "app.yaml");
      const text = readFileSync(app, "utf8");
      const m = /ENC\[AES256_GCM,data:([A-Za-z0-9+/]{4})/.exec(text)!;
      const i = m.index + m[0].length - 2;
      writeFileSync(app, text.slice(0, i) + (text[i] === "A" ? "B" : "A") + text.slice(i + 1));
    });
    const main = runStage(step);
    expect(main.status).toBe(1);
    expect(main.stderr).toBe("");
    const lines = printed(main.stdout);
    expect(lines).toEqual([
      "secrets/README.md: not encrypted, but creation_rules[1] covers it (encrypt it: secrets encrypt -i)",
      "secrets/prod/app.yaml: its MAC does not match or a value cannot be decrypted: modified outside sops/secrets, or corrupt",
      "secrets/prod/extra.json: recipients differ from creation_rules[0]: missing bob, extra alice (fix: secrets updatekeys --all)",
      "::error::verify failed: 3 problems in 3 secret files (listed above and in the job summary)",
    ]);
    const r = inspectStage(step, main, { ...ALL_SECRETS, AGE_IDENTITY: fx.identity });
    expect(r.leaks).toEqual([]);
    expect(JSON.parse(r.outputs.values["verify-json"]!)).toMatchObject({ ok: false, files: 3 });
    for (const l of lines.slice(0, 3)) expect(r.summary).toContain(`- ${l}`);
  });

  it("without age-key checks metadata only", () => {
    const { step } = setup(false, withoutReadme);
    const main = runStage(step);
    expect(main.status).toBe(0);
    expect(JSON.parse(inspectStage(step, main, {}).outputs.values["verify-json"]!)).toMatchObject({ ok: true, macChecked: 0 });
  });

  it("with fail-on-overdue, fails on a secret the rotation policy says is overdue (no key, no value read)", async () => {
    const { step } = setup(false, (ws) => {
      withoutReadme(ws);
      mkdirSync(join(ws, ".secrets"), { recursive: true });
      writeFileSync(join(ws, ".secrets", "rotation.yaml"), "rotations:\n  - path: prod/app/database/password\n    every: 1\n    window: 1\n    generator: { type: random }\n    owner: dba\n");
    });
    step.env["INPUT_FAIL-ON-OVERDUE"] = "true";
    // The file's lastmodified is when the fixture was written: 2s later the value is overdue.
    await new Promise((r) => setTimeout(r, 2100));
    const main = runStage(step);
    expect(main.status).toBe(1);
    const lines = printed(main.stdout);
    expect(lines).toContain("rotation: prod/app/database/password is overdue (see secrets rotation status)");
    step.env["INPUT_FAIL-ON-OVERDUE"] = "false";
    expect(runStage(step).status).toBe(0);
  });
});
