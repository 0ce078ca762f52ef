import { execFileSync } from "node:child_process";
import { cpSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";
import { ALL_SECRETS, VALUE_IS_A_NAME, encryptInto, writeEncryptedFixture } from "./fixture.js";
import { inspectStage, parseCommand, prepareStep, readLines, runStage } from "./runner-harness.js";

/**
 * Decrypt mode refuses a value the file's MAC does not cover: `GIT_SSL_NO_VERIFY: ""` added to an
 * encrypted file by anyone who can push, without any key, would otherwise switch off TLS checks for
 * every later git command of the job. `allow-unauthenticated: true` lets it through.
 *
 * Built from the current sources into a temporary directory (as dist-fresh.test.ts does), so this runs
 * what the runner would run without depending on the committed action/dist being rebuilt.
 */

let action: string;
beforeAll(() => {
  action = mkdtempSync(join(tmpdir(), "installed-action-"));
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-action.mjs"), "--outdir", join(action, "dist")], { cwd: ROOT, stdio: "pipe" });
  writeFileSync(join(action, "package.json"), '{ "type": "module" }\n');
  cpSync(join(ROOT, "action", "action.yml"), join(action, "action.yml"));
}, 120_000);

/** The fixture, with one line added to the encrypted app.yaml as bytes (before its `sops:` block). */
function tamperedStep(inputs: Record<string, string>, line: string) {
  const step = prepareStep({ actionDir: action, inputs: { "export-env": "true", ...inputs } });
  const fx = writeEncryptedFixture(step.dirs.workspace);
  step.env["INPUT_AGE-KEY"] = fx.ageKey;
  const file = join(step.dirs.workspace, "secrets", "prod", "app.yaml");
  const text = readFileSync(file, "utf8");
  expect(text).toContain("\nsops:\n");
  writeFileSync(file, text.replace("\nsops:\n", `\n${line}\nsops:\n`));
  return { step, fx };
}

describe("decrypt mode and entries the MAC does not cover", () => {
  it.each([
    ['GIT_SSL_NO_VERIFY: ""', "an empty string"],
    ["GIT_SSL_NO_VERIFY: null", "a null"],
  ])("%s: the step fails with one line naming it, and hands nothing on", (line, reason) => {
    const { step, fx } = tamperedStep({}, line);
    const main = runStage(step, "main");
    const r = inspectStage(step, main, { ...ALL_SECRETS, AGE_IDENTITY: fx.identity }, { notInSummary: VALUE_IS_A_NAME });
    expect(main.status).toBe(1);
    expect(main.stderr).toBe("");
    const printed = readLines(main.stdout).filter((l) => parseCommand(l)?.name !== "add-mask");
    expect(printed).toEqual([
      `::error::secrets/prod/app.yaml: GIT_SSL_NO_VERIFY is not covered by the file's MAC (${reason}: anyone who can push to the file can add it without a key); remove it or give it a value, or set allow-unauthenticated: true`,
    ]);
    expect(r.leaks).toEqual([]);
    expect(readFileSync(step.files.GITHUB_ENV, "utf8")).toBe("");
    expect(readFileSync(step.files.GITHUB_OUTPUT, "utf8")).toBe("");
  });

  it("a selector naming only covered values is not refused", () => {
    const { step, fx } = tamperedStep({ secrets: "secrets/prod/app.yaml#database.password | DB_PASSWORD" }, 'GIT_SSL_NO_VERIFY: ""');
    const main = runStage(step, "main");
    const r = inspectStage(step, main, { ...ALL_SECRETS, AGE_IDENTITY: fx.identity }, { notInSummary: VALUE_IS_A_NAME });
    expect(main.status).toBe(0);
    expect(r.env.values).toEqual({ DB_PASSWORD: ALL_SECRETS.DATABASE_PASSWORD });
  });

  it("metadata kept in clear next to a value passes (it is in clear by design); a value in clear does not", () => {
    const step = prepareStep({ actionDir: action, inputs: { "export-env": "true", secrets: "secrets/prod/meta.yaml" } });
    const fx = writeEncryptedFixture(step.dirs.workspace);
    step.env["INPUT_AGE-KEY"] = fx.ageKey;
    encryptInto(step.dirs.workspace, "secrets/prod/meta.yaml", "token: tok-abc-123\ntoken_metadata_unencrypted:\n    owner: team-a\n");
    const main = runStage(step, "main");
    expect(main.status).toBe(0);
    const r = inspectStage(step, main, { TOKEN: "tok-abc-123", AGE_IDENTITY: fx.identity });
    expect(r.env.values).toEqual({ TOKEN: "tok-abc-123", TOKEN_METADATA_UNENCRYPTED_OWNER: "team-a" });

    const clear = prepareStep({ actionDir: action, inputs: { secrets: "secrets/prod/clear.yaml" } });
    writeEncryptedFixture(clear.dirs.workspace);
    clear.env["INPUT_AGE-KEY"] = fx.ageKey;
    encryptInto(clear.dirs.workspace, "secrets/prod/clear.yaml", "token: tok-abc-123\nhost_unencrypted: db.internal\n");
    const refused = runStage(clear, "main");
    expect(refused.status).toBe(1);
    expect(refused.stdout).toContain("::error::secrets/prod/clear.yaml: HOST_UNENCRYPTED is not covered by the file's MAC (a value in clear:");
  });

  it("with allow-unauthenticated: true the value is exported", () => {
    const { step, fx } = tamperedStep({ "allow-unauthenticated": "true" }, 'GIT_SSL_NO_VERIFY: ""');
    const main = runStage(step, "main");
    const r = inspectStage(step, main, { ...ALL_SECRETS, AGE_IDENTITY: fx.identity }, { notInSummary: VALUE_IS_A_NAME });
    expect(main.status).toBe(0);
    expect(main.stderr).toBe("");
    expect(r.leaks).toEqual([]);
    expect(r.env.values).toEqual({ ...ALL_SECRETS, GIT_SSL_NO_VERIFY: "" });
  });
});

describe("verify mode and keys sops ignores", () => {
  it("a misspelt creation_rule: fails the step instead of passing on 0 secret files", () => {
    const step = prepareStep({ actionDir: action, inputs: { mode: "verify" } });
    const fx = writeEncryptedFixture(step.dirs.workspace);
    const cfg = join(step.dirs.workspace, ".sops.yaml");
    writeFileSync(cfg, readFileSync(cfg, "utf8").replace("creation_rules:", "creation_rule:"));
    const main = runStage(step, "main");
    expect(main.status).toBe(1);
    expect(main.stderr).toBe("");
    expect(readLines(main.stdout).filter((l) => parseCommand(l)?.name !== "add-mask")).toEqual([
      ".sops.yaml: 2 keys or sections sops ignores (a misspelt key, or no creation_rules): run secrets verify locally for details",
      "::error::verify failed: 1 problem in 0 secret files (listed above and in the job summary)",
    ]);
    const r = inspectStage(step, main, { ...ALL_SECRETS, AGE_IDENTITY: fx.identity });
    expect(r.leaks).toEqual([]);
    expect(JSON.parse(r.outputs.values["verify-json"]!)).toMatchObject({ ok: false, files: 0 });
  });
});
