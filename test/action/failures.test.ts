import { readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ALL_SECRETS, VALUE_IS_A_NAME, encryptInto, installedAction, writeEncryptedFixture } from "./fixture.js";
import { inspectStage, parseCommand, prepareStep, readLines, runStage } from "./runner-harness.js";

/**
 * Failure paths of the bundled action: each fails the step with exit code 1 and exactly one
 * `::error::` line of fixed text, no stack trace, nothing on stderr, no value anywhere, and nothing
 * handed on (no output, no env record, no file).
 */

const ACTION = installedAction();

interface Case {
  name: string;
  inputs?: Record<string, string>;
  /** Changes the workspace or the environment before the run. */
  prepare?: (ws: string, env: Record<string, string>) => void;
  ageKey?: "deploy" | "stranger" | "none" | "malformed";
  message: RegExp;
}

const MALFORMED_KEY = "# created: today\nAGE-SECRET-KEY-1QQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQQ\n";

/** Changes one character inside the first encrypted value's ciphertext (the `data:` part of ENC[…]). */
function tamper(ws: string) {
  const p = join(ws, "secrets", "prod", "app.yaml");
  const text = readFileSync(p, "utf8");
  const m = /ENC\[AES256_GCM,data:([A-Za-z0-9+/]{4})/.exec(text)!;
  const i = m.index + m[0].length - 2;
  writeFileSync(p, text.slice(0, i) + (text[i] === "A" ? "B" : "A") + text.slice(i + 1));
}

const cases: Case[] = [
  { name: "a tampered ciphertext", prepare: tamper, message: /^cannot decrypt secrets\/prod\/app\.yaml: a value cannot be decrypted: the file was tampered with or is corrupt$/ },
  {
    name: "a key that opens no file",
    ageKey: "stranger",
    message: /^cannot decrypt secrets\/prod\/app\.yaml: no identity in age-key can open it \(it is encrypted to age1[0-9a-z]+, age1[0-9a-z]+\)$/,
  },
  { name: "no age-key", ageKey: "none", message: /^input age-key is required in decrypt mode$/ },
  { name: "a malformed age-key", ageKey: "malformed", message: /^input age-key: line 2 is not an age identity/ },
  { name: "a bad selector path", inputs: { secrets: "secrets/prod/app.yaml#database..password | DB" }, message: /^input secrets: line 1 is not a selector/ },
  { name: "a bad selector name", inputs: { secrets: "secrets/prod/app.yaml#database.password | DB-PASS" }, message: /^input secrets: line 1: the name after \| must match/ },
  { name: "a selector without a file", inputs: { secrets: "# comment\n  | DB" }, message: /^input secrets: line 2 is not a selector/ },
  { name: "a selector path that does not exist", inputs: { secrets: "secrets/prod/app.yaml#database.nope | DB" }, message: /^input secrets: line 1: secrets\/prod\/app\.yaml has no value at that path$/ },
  { name: "a selected file that does not exist", inputs: { secrets: "secrets/prod/gone.yaml#a | A" }, message: /^cannot decrypt secrets\/prod\/gone\.yaml: the file does not exist$/ },
  { name: "a named file that is not encrypted", inputs: { files: "secrets/README.md" }, message: /^cannot decrypt secrets\/README\.md: it is not a (valid )?SOPS-encrypted file$/ },
  {
    name: "two secrets with the same name",
    inputs: { secrets: "secrets/prod/app.yaml#database.password | DB\nsecrets/prod/extra.json#stripe.apiKey | db" },
    message: /^two secrets would be named db \(from secrets\/prod\/app\.yaml and secrets\/prod\/extra\.json\)/,
  },
  {
    name: "keys that collide once UPPER_SNAKE",
    prepare: (ws) => encryptInto(ws, "secrets/prod/keys.yaml", "apiKey: one-value\napi_key: other-value\n"),
    inputs: { files: "secrets/prod/keys.yaml" },
    message: /^two secrets would be named API_KEY \(from secrets\/prod\/keys\.yaml and secrets\/prod\/keys\.yaml\)/,
  },
  { name: "a reserved environment name", inputs: { "export-env": "true", secrets: "secrets/prod/app.yaml#database.host | PATH" }, message: /^the secret PATH cannot be exported to the environment: the name is reserved/ },
  { name: "a reserved name for the dotenv file", inputs: { "dotenv-file": "x.env", secrets: "secrets/prod/app.yaml#database.host | GITHUB_TOKEN" }, message: /^the secret GITHUB_TOKEN cannot be exported/ },
  { name: "a files pattern that matches nothing", inputs: { files: "secrets/**/*.yaml\nsecrets/staging/*.yaml" }, message: /^input files: line 2 matches no file$/ },
  { name: "both files and secrets", inputs: { files: "secrets/**", secrets: "secrets/prod/app.yaml" }, message: /^set either files or secrets, not both/ },
  { name: "an invalid boolean", inputs: { "export-env": "yes" }, message: /^input export-env must be true or false$/ },
  { name: "an unknown mode", inputs: { mode: "deploy" }, message: /^input mode must be one of decrypt, verify, policy-review$/ },
  { name: "no GITHUB_OUTPUT", prepare: (_ws, env) => delete env.GITHUB_OUTPUT, message: /^GITHUB_OUTPUT is not set/ },
  { name: "no GITHUB_ENV with export-env", inputs: { "export-env": "true" }, prepare: (_ws, env) => delete env.GITHUB_ENV, message: /^GITHUB_ENV is not set/ },
  { name: "a working directory that does not exist", inputs: { "working-directory": "nope" }, message: /^working-directory is not a directory$/ },
  {
    name: "no .sops.yaml and no files",
    prepare: (ws) => writeFileSync(join(ws, ".sops.yaml"), ""),
    message: /^no SOPS-encrypted file is covered by the \.sops\.yaml rules/,
  },
  {
    name: "an invalid .sops.yaml",
    prepare: (ws) => writeFileSync(join(ws, ".sops.yaml"), "creation_rules:\n  - path_regex: '('\n"),
    message: /^\.sops\.yaml is invalid \(line 2\)/,
  },
];

describe.each([false, true])("failures (RUNNER_DEBUG=%s)", (debug) => {
  it.each(cases)("$name: one fixed error line, no stack, nothing leaked or handed on", (c) => {
    const step = prepareStep({ actionDir: ACTION, debug, inputs: c.inputs ?? {} });
    const fx = writeEncryptedFixture(step.dirs.workspace);
    const key = c.ageKey ?? "deploy";
    step.env["INPUT_AGE-KEY"] = key === "deploy" ? fx.ageKey : key === "stranger" ? fx.strangerAgeKey : key === "malformed" ? MALFORMED_KEY : "";
    c.prepare?.(step.dirs.workspace, step.env);
    const main = runStage(step, "main");
    const secrets: Record<string, string> = { ...ALL_SECRETS, AGE_IDENTITY: fx.identity };
    if (key === "malformed") secrets.MALFORMED_IDENTITY = MALFORMED_KEY.split("\n")[1]!;
    const r = inspectStage(step, main, secrets, { notInSummary: VALUE_IS_A_NAME });

    expect(main.status).toBe(1);
    expect(main.stderr).toBe("");
    const printed = readLines(main.stdout).filter((l) => parseCommand(l)?.name !== "add-mask");
    expect(printed).toHaveLength(1);
    expect(printed[0]).toMatch(/^::error::/);
    expect(printed[0]!.slice("::error::".length)).toMatch(c.message);
    expect(main.stdout).not.toMatch(/\n\s+at /);
    expect(r.leaks).toEqual([]);
    expect(readFileSync(step.files.GITHUB_ENV, "utf8")).toBe("");
    if (step.env.GITHUB_OUTPUT) expect(readFileSync(step.files.GITHUB_OUTPUT, "utf8")).toBe("");
    expect(r.summary).toBe("");
    // The post step runs after a failed main step too: nothing to remove, nothing to say.
    const post = runStage(step, "post");
    expect(post.status).toBe(0);
    expect(post.stdout + post.stderr).toBe("");
  });
});
