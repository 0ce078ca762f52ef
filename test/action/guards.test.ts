import { spawnSync } from "node:child_process";
import { join } from "node:path";
import { pathToFileURL } from "node:url";
import { describe, expect, it } from "vitest";
import { ALL_SECRETS, installedAction, writeEncryptedFixture } from "./fixture.js";
import { inspectStage, parseCommand, prepareStep, readLines } from "./runner-harness.js";

/**
 * The process guards of the bundle: whatever escapes the action's own error handling (an exception
 * from a timer, an unhandled rejection), and whatever Node or a library would print on stderr
 * (warnings, console.error), ends as one fixed line on stdout or nowhere; never a stack, never stderr.
 * The faults are injected by fault-preload.mjs and carry a secret value in their message.
 */

const ACTION = installedAction();
const PRELOAD = pathToFileURL(join(import.meta.dirname, "fault-preload.mjs")).href;
const SECRET = ALL_SECRETS.DATABASE_PASSWORD!;

function runWithFault(fault: string) {
  const step = prepareStep({ actionDir: ACTION });
  const fx = writeEncryptedFixture(step.dirs.workspace);
  step.env["INPUT_AGE-KEY"] = fx.ageKey;
  const env = { ...step.env, ACTION_TEST_FAULT: fault, ACTION_TEST_SECRET: SECRET };
  const r = spawnSync(process.execPath, ["--import", PRELOAD, join(step.actionDir, "dist", "index.js")], { cwd: step.dirs.workspace, env, encoding: "utf8", timeout: 60_000 });
  const result = { status: r.status, signal: r.signal, stdout: r.stdout, stderr: r.stderr };
  return { result, inspection: inspectStage(step, result, { DATABASE_PASSWORD: SECRET }) };
}

describe("process guards", () => {
  it.each(["uncaught", "rejection"])("an escaped error (%s) fails with one fixed line, no stack, nothing on stderr", (fault) => {
    const { result, inspection } = runWithFault(fault);
    expect(result.status).toBe(1);
    expect(result.stderr).toBe("");
    const printed = readLines(result.stdout).filter((l) => parseCommand(l)?.name !== "add-mask");
    expect(printed).toEqual(["::error::gitops-secrets: unexpected internal error (no details are printed, so that no value can leak)"]);
    expect(result.stdout).not.toContain(SECRET);
    expect(inspection.leaks).toEqual([]);
  });

  it.each(["warning", "console"])("text for stderr (%s) is dropped; the run still succeeds", (fault) => {
    const { result, inspection } = runWithFault(fault);
    expect(result.status).toBe(0);
    expect(result.stderr).toBe("");
    expect(inspection.leaks).toEqual([]);
  });
});
