import { execFileSync } from "node:child_process";
import { cpSync, existsSync, lstatSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, symlinkSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { beforeAll, describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";
import { ALL_SECRETS, encryptInto, writeEncryptedFixture, type Fixture } from "./fixture.js";
import { inspectStage, parseFileCommands, prepareStep, runStage, type Step } from "./runner-harness.js";

/**
 * dotenv-file is created new and never written through a symbolic link: a committed link named as
 * the dotenv file would otherwise put the plaintext at its target, which the post step (removing
 * the link) leaves on the runner. Runs the Action built from the current sources (action/dist is
 * rebuilt separately), as the runner runs it.
 */

function actionFromSources(): string {
  const dir = mkdtempSync(join(tmpdir(), "action-src-build-"));
  writeFileSync(join(dir, "package.json"), '{ "type": "module" }\n');
  cpSync(join(ROOT, "action", "action.yml"), join(dir, "action.yml"));
  execFileSync(process.execPath, [join(ROOT, "scripts", "build-action.mjs"), "--outdir", join(dir, "dist")], { cwd: ROOT, stdio: "pipe" });
  return dir;
}

const ACTION = actionFromSources();
const TARGET_TEXT = "a file the link leads to\n";

function stepWithDotenv(name: string): { step: Step; fx: Fixture } {
  const step = prepareStep({ actionDir: ACTION, inputs: { "dotenv-file": name } });
  const fx = writeEncryptedFixture(step.dirs.workspace);
  step.env["INPUT_AGE-KEY"] = fx.ageKey;
  return { step, fx };
}

/** Files holding a value, outside the runner's own file-command files (step outputs are meant to hold them). */
function noPlaintextIn(dir: string): string[] {
  const hits: string[] = [];
  const visit = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const p = join(d, e.name);
      if (e.isDirectory()) {
        if (e.name !== "_runner_file_commands") visit(p);
      }
      else if (e.isFile()) {
        const text = readFileSync(p, "utf8");
        if (text.includes(ALL_SECRETS.DATABASE_PASSWORD!) || text.includes(ALL_SECRETS.STRIPE_API_KEY!)) hits.push(p);
      }
    }
  };
  visit(dir);
  return hits;
}

describe("dotenv-file naming a committed symbolic link", () => {
  let step: Step;
  let target: string;
  let main: ReturnType<typeof runStage>;
  beforeAll(() => {
    ({ step } = stepWithDotenv(".env"));
    target = join(step.root, "home", "target.env");
    writeFileSync(target, TARGET_TEXT);
    symlinkSync(target, join(step.dirs.workspace, ".env"));
    main = runStage(step, "main");
  });

  it("fails with one fixed message and writes nothing through the link", () => {
    expect(main.status).not.toBe(0);
    expect(main.stdout).toContain("dotenv-file is a symbolic link; refusing to write secrets through it");
    expect(readFileSync(target, "utf8")).toBe(TARGET_TEXT);
    expect(lstatSync(join(step.dirs.workspace, ".env")).isSymbolicLink()).toBe(true);
    expect(inspectStage(step, main, ALL_SECRETS).leaks).toEqual([]);
  });

  it("leaves no plaintext anywhere on the runner, and the post step removes nothing that was there before", () => {
    const state = parseFileCommands(readFileSync(step.files.GITHUB_STATE, "utf8")).values;
    expect(state.files === undefined ? [] : JSON.parse(state.files)).toEqual([]);
    const post = runStage(step, "post");
    expect(post.status).toBe(0);
    expect(readFileSync(target, "utf8")).toBe(TARGET_TEXT);
    expect(noPlaintextIn(step.root)).toEqual([]);
  });
});

describe("dotenv-file naming a dangling symbolic link or an existing file", () => {
  it("a dangling link is refused: its target is not created", () => {
    const { step } = stepWithDotenv(".env");
    const target = join(step.root, "home", "created.env");
    symlinkSync(target, join(step.dirs.workspace, ".env"));
    const main = runStage(step, "main");
    expect(main.status).not.toBe(0);
    expect(main.stdout).toContain("dotenv-file is a symbolic link");
    expect(existsSync(target)).toBe(false);
    expect(noPlaintextIn(step.root)).toEqual([]);
  });

  it("an existing regular file is refused, not overwritten", () => {
    const { step } = stepWithDotenv("existing.env");
    const existing = join(step.dirs.workspace, "existing.env");
    writeFileSync(existing, TARGET_TEXT);
    const main = runStage(step, "main");
    expect(main.status).not.toBe(0);
    expect(main.stdout).toContain("dotenv-file already exists; refusing to overwrite it");
    expect(readFileSync(existing, "utf8")).toBe(TARGET_TEXT);
  });

  it("a new path is written 0600 and removed by the post step", () => {
    const { step } = stepWithDotenv("out/app.env");
    const written = join(step.dirs.workspace, "out", "app.env");
    const main = runStage(step, "main");
    expect(main.status, main.stdout).toBe(0);
    expect(lstatSync(written).mode & 0o777).toBe(0o600);
    expect(readFileSync(written, "utf8")).toContain(`DATABASE_PASSWORD=${ALL_SECRETS.DATABASE_PASSWORD}`);
    expect(runStage(step, "post").status).toBe(0);
    expect(existsSync(written)).toBe(false);
    expect(noPlaintextIn(step.root)).toEqual([]);
  });
});

describe("files input and a committed symbolic link to a secret file outside the workspace", () => {
  function stepWithLink(files: string): Step {
    const step = prepareStep({ actionDir: ACTION, inputs: { files } });
    const fx = writeEncryptedFixture(step.dirs.workspace);
    step.env["INPUT_AGE-KEY"] = fx.ageKey;
    // Another checkout's secret, encrypted to the same deploy key, next to the workspace.
    encryptInto(step.dirs.workspace, "secrets/other.yaml", "stolen_token: from-another-checkout\n");
    mkdirSync(join(step.root, "elsewhere"));
    renameSync(join(step.dirs.workspace, "secrets", "other.yaml"), join(step.root, "elsewhere", "other.yaml"));
    symlinkSync(join(step.root, "elsewhere", "other.yaml"), join(step.dirs.workspace, "secrets", "prod", "stolen.yaml"));
    return step;
  }

  it("a glob does not pick it up", () => {
    const step = stepWithLink("secrets/**/*.yaml");
    const main = runStage(step, "main");
    expect(main.status, main.stdout).toBe(0);
    const outputs = parseFileCommands(readFileSync(step.files.GITHUB_OUTPUT, "utf8")).values;
    expect(outputs.STOLEN_TOKEN).toBeUndefined();
    expect(outputs.DATABASE_PASSWORD).toBe(ALL_SECRETS.DATABASE_PASSWORD);
  });

  it("naming it literally fails with a fixed message", () => {
    const step = stepWithLink("secrets/prod/stolen.yaml");
    const main = runStage(step, "main");
    expect(main.status).not.toBe(0);
    expect(main.stdout).toContain("input files: line 1 names a symbolic link that leads outside the workspace");
    expect(readFileSync(step.files.GITHUB_OUTPUT, "utf8")).not.toContain("from-another-checkout");
  });

  it("a secrets selector through it fails with a fixed message", () => {
    const step = stepWithLink("");
    step.env["INPUT_SECRETS"] = "secrets/prod/stolen.yaml#stolen_token | STOLEN";
    const main = runStage(step, "main");
    expect(main.status).not.toBe(0);
    expect(main.stdout).toContain("input secrets: line 1 names a symbolic link that leads outside the workspace");
    expect(readFileSync(step.files.GITHUB_OUTPUT, "utf8")).not.toContain("from-another-checkout");
  });
});
