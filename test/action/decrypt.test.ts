import { existsSync, readFileSync, statSync } from "node:fs";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { dotenvStore } from "../../src/sops/stores/dotenv.js";
import { leavesOf } from "../../action/src/leaves.js";
import { ALL_SECRETS, VALUE_IS_A_NAME, installedAction, writeEncryptedFixture, type Fixture } from "./fixture.js";
import { TEST_SHA, inspectStage, prepareStep, runStage, type Inspection, type StageResult, type Step } from "./runner-harness.js";

/**
 * Decrypt mode, run as the runner runs it: the bundled action/dist/index.js and post.js in a fresh
 * step environment, output replayed through the runner's masker. With and without RUNNER_DEBUG.
 */

const ACTION = installedAction();
const FIXED_OUTPUTS = ["audit-json", "secret-count", "dotenv-file"];

describe.each([false, true])("decrypt everything a rule covers, export-env and dotenv-file (RUNNER_DEBUG=%s)", (debug) => {
  let step: Step;
  let fx: Fixture;
  let main: StageResult;
  let r: Inspection;
  let dotenvPath: string;
  let secretsAndKey: Record<string, string>;

  beforeAll(() => {
    step = prepareStep({ actionDir: ACTION, debug, inputs: { "export-env": "true" } });
    dotenvPath = join(step.dirs.temp, "deploy", "app.env");
    step.env["INPUT_DOTENV-FILE"] = dotenvPath;
    fx = writeEncryptedFixture(step.dirs.workspace);
    step.env["INPUT_AGE-KEY"] = fx.ageKey;
    main = runStage(step, "main");
    secretsAndKey = { ...ALL_SECRETS, AGE_IDENTITY: fx.identity };
    r = inspectStage(step, main, secretsAndKey, { notInSummary: VALUE_IS_A_NAME });
  });

  it("succeeds, prints nothing on stderr", () => {
    expect(main.status).toBe(0);
    expect(main.stderr).toBe("");
  });

  it("leaks no value, line or encoding anywhere", () => expect(r.leaks).toEqual([]));

  it("registers every value (multi-line ones line by line) and the identity line", () => expect(r.missingMasks).toEqual([]));

  it("registers multi-line values line by line, never whole, and skips lines under 4 characters", () => {
    for (const name of ["TLS_KEY", "SERVICE_ACCOUNT", "INJECTION", "DELIMITER"]) expect(r.registered, name).not.toContain(ALL_SECRETS[name]);
    expect(r.registered).not.toContain("{");
    expect(r.registered).not.toContain("}");
    expect(r.registered).not.toContain("EOF");
  });

  it("registers the encodings of each value whole: JSON escape, base64, encodeURIComponent", () => {
    for (const [name, v] of Object.entries(ALL_SECRETS)) {
      expect(r.registered, `${name} base64`).toContain(Buffer.from(v, "utf8").toString("base64"));
      if (JSON.stringify(v).slice(1, -1) !== v) expect(r.registered, `${name} JSON`).toContain(JSON.stringify(v).slice(1, -1));
      if (encodeURIComponent(v) !== v) expect(r.registered, `${name} URL`).toContain(encodeURIComponent(v));
    }
  });

  it("registers only the identity line of age-key, not its comments or the public key", () => {
    expect(r.registered).toContain(fx.identity);
    expect(r.registered.some((m) => m.includes(fx.recipient))).toBe(false);
    expect(r.registered.some((m) => m.startsWith("#"))).toBe(false);
  });

  it("registers every mask before printing anything else", () => {
    const lines = main.stdout.split("\n");
    const lastMask = lines.map((l) => l.startsWith("::add-mask::")).lastIndexOf(true);
    const firstOther = lines.findIndex((l) => l !== "" && !l.startsWith("::add-mask::"));
    expect(firstOther).toBeGreaterThan(lastMask);
  });

  it("exports exactly the secrets to GITHUB_ENV, nothing injected, nothing truncated", () => {
    expect(r.env.error).toBeNull();
    expect(r.env.values).toEqual(ALL_SECRETS);
  });

  it("sets one step output per secret, plus the fixed outputs", () => {
    expect(r.outputs.error).toBeNull();
    const { "audit-json": audit, "secret-count": count, "dotenv-file": dotenv, ...perSecret } = r.outputs.values;
    expect(perSecret).toEqual(ALL_SECRETS);
    expect(count).toBe(String(Object.keys(ALL_SECRETS).length));
    expect(dotenv).toBe(dotenvPath);
    expect(audit).toBeDefined();
    expect(Object.keys(r.outputs.values).sort()).toEqual([...Object.keys(ALL_SECRETS), ...FIXED_OUTPUTS].sort());
  });

  it("writes dotenv-file with mode 0600 in the sops dotenv format", () => {
    expect(statSync(dotenvPath).mode & 0o777).toBe(0o600);
    const [branch] = dotenvStore.parsePlain(readFileSync(dotenvPath));
    const read = Object.fromEntries(leavesOf(branch!).map((l) => [String(l.path[0]), l.value]));
    // The sops dotenv format escapes newlines as \n: every value reads back exactly.
    expect(read).toEqual(ALL_SECRETS);
  });

  it("audit-json: names, files, commit and recipients (named by their .sops.yaml anchors), no value", () => {
    const line = r.outputs.values["audit-json"]!;
    expect(line).not.toContain("\n");
    const audit = JSON.parse(line);
    expect(audit.commit).toBe(TEST_SHA);
    expect(audit.repository).toBe("acme/app");
    expect(audit.secretCount).toBe(Object.keys(ALL_SECRETS).length);
    expect(audit.files.map((f: { file: string }) => f.file)).toEqual(["secrets/prod/app.yaml", "secrets/prod/extra.json"]);
    for (const f of audit.files) {
      expect(f.encryptedTo).toEqual([
        { recipient: fx.recipient, name: "deploy" },
        { recipient: fx.otherRecipient, name: "alice" },
      ]);
      expect(f.openedWith).toEqual([fx.recipient]);
    }
    expect([...audit.files[0].secrets, ...audit.files[1].secrets].sort()).toEqual(Object.keys(ALL_SECRETS).sort());
    expect(audit.skipped).toEqual(["secrets/README.md"]);
    // Values under 4 characters would match by chance (as in the harness); they are masked all the same.
    const values = Object.entries(ALL_SECRETS).filter(([n, v]) => !VALUE_IS_A_NAME.includes(n) && v.length >= 4);
    for (const [name, v] of values) expect(line.includes(v) || line.includes(JSON.stringify(v).slice(1, -1)), name).toBe(false);
  });

  it("job summary: names, files, commit, recipients; no value", () => {
    expect(r.summary).toContain(TEST_SHA);
    expect(r.summary).toContain("`secrets/prod/app.yaml`");
    expect(r.summary).toContain(`deploy (\`${fx.recipient}\`)`);
    expect(r.summary).toContain(`alice (\`${fx.otherRecipient}\`)`);
    for (const name of Object.keys(ALL_SECRETS)) expect(r.summary).toContain(`\`${name}\``);
    expect(r.summary).toMatch(/Skipped 1 file that/);
  });

  it("state holds only the paths of the files written", () => {
    expect(Object.keys(r.state.values)).toEqual(["files"]);
    expect(JSON.parse(r.state.values.files!)).toEqual([dotenvPath]);
  });

  it("prints one fixed result line (the runner shows it as is)", () => {
    const shown = r.log.filter((l) => !l.text.startsWith("::debug::"));
    expect(shown.map((l) => l.text)).toEqual([`Decrypted ${Object.keys(ALL_SECRETS).length} secrets from 2 files, exported as step outputs and environment variables and to dotenv-file. The job summary lists their names.`]);
  });

  it("post step removes every file main wrote, and leaks nothing", () => {
    const files = JSON.parse(r.state.values.files!) as string[];
    expect(files.every((f) => existsSync(f))).toBe(true);
    const post = runStage(step, "post");
    expect(post.status).toBe(0);
    expect(post.stderr).toBe("");
    for (const f of files) expect(existsSync(f)).toBe(false);
    expect(inspectStage(step, post, secretsAndKey, { notInSummary: VALUE_IS_A_NAME }).leaks).toEqual([]);
  });
});
