import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, mkdtempSync, readFileSync, writeFileSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { describe, expect, it } from "vitest";
import { ROOT } from "../helpers/cli.js";
import { ALL_SECRETS, VALUE_IS_A_NAME, writeEncryptedFixture } from "./fixture.js";
import { findLeaks } from "./runner-harness.js";

/**
 * The second harness: `@github/local-action` runs the TypeScript sources (action/src/main.ts and
 * post.ts) with stubbed toolkit packages. A smoke test of inputs, the run, the post step and the
 * summary; it proves nothing about masking (the stubs print no ::add-mask:: and mask nothing), which
 * is what the runner harness is for. It runs from the repository root, whose node_modules holds
 * @actions/core, so that the stubs apply.
 */

describe("@github/local-action", () => {
  it("runs decrypt and post from the sources: succeeds, writes the summary, removes the dotenv file, prints no value", { timeout: 180_000 }, () => {
    const dir = mkdtempSync(join(tmpdir(), "local-action-"));
    const ws = join(dir, "ws");
    const temp = join(dir, "temp");
    mkdirSync(ws);
    mkdirSync(temp);
    const fx = writeEncryptedFixture(ws);
    const files = Object.fromEntries(["summary.md", "output", "env"].map((f) => [f, join(dir, f)]));
    for (const f of Object.values(files)) writeFileSync(f, "");
    const dotenv = join(temp, "app.env");
    const envFile = join(dir, ".env.local-action");
    writeFileSync(
      envFile,
      [
        `INPUT_AGE-KEY="${fx.ageKey}"`,
        'INPUT_EXPORT-ENV="true"',
        `INPUT_DOTENV-FILE="${dotenv}"`,
        "ACTIONS_STEP_DEBUG=true",
        `GITHUB_STEP_SUMMARY="${files["summary.md"]}"`,
        // The stubs write neither file; the action only insists that the runner provides them.
        `GITHUB_OUTPUT="${files.output}"`,
        `GITHUB_ENV="${files.env}"`,
        `GITHUB_WORKSPACE="${ws}"`,
        `RUNNER_TEMP="${temp}"`,
        "GITHUB_SHA=0123456789abcdef0123456789abcdef01234567",
        "",
      ].join("\n"),
    );
    const r = spawnSync("npx", ["local-action", "run", "action", "src/main.ts", envFile, "--post", join(ROOT, "action", "src", "post.ts")], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: dir, npm_config_update_notifier: "false", npm_config_offline: "true", NO_COLOR: "1" },
      encoding: "utf8",
      timeout: 170_000,
    });
    const log = r.stdout + r.stderr;
    expect(r.status, log.slice(-2000)).toBe(0);
    expect(log).toContain("Running Action");
    expect(log).toContain("Decrypted 16 secrets from 2 files, exported as step outputs and environment variables and to dotenv-file.");
    expect(log).toContain("Running Post Step");
    expect(log).toContain("Removed the file the main step wrote.");
    expect(log).not.toContain("::error::");
    // Real ::add-mask:: lines would mean the stubs did not apply (e.g. a symlinked node_modules).
    expect(log).not.toContain("::add-mask::");
    expect(existsSync(dotenv)).toBe(false);
    const summary = readFileSync(files["summary.md"]!, "utf8");
    expect(summary).toContain("### gitops-secrets: decrypted 16 secrets from 2 files");
    for (const name of Object.keys(ALL_SECRETS)) expect(summary).toContain(`\`${name}\``);
    const secrets = { ...ALL_SECRETS, AGE_IDENTITY: fx.identity };
    const noName = Object.fromEntries(Object.entries(secrets).filter(([n]) => !VALUE_IS_A_NAME.includes(n)));
    expect(findLeaks(noName, { "local-action output": log, summary })).toEqual([]);
  });
});
