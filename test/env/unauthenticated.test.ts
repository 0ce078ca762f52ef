import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";

/**
 * Entries the SOPS MAC does not cover (`""`, null, `{}`, `[]`) can be added to an encrypted file by
 * anyone, without a key. `run` and `export` refuse to inject them unless --allow-unauthenticated;
 * `verify` reports them. Every file here is edited as bytes, as an attacker with push access would.
 */

const PRINT = `process.stdout.write(JSON.stringify({ PATH: process.env.PATH ?? "(unset)", API_KEY: process.env.API_KEY }))`;

let sb: Sandbox;
/** The encrypted fixture, made once with the CLI; each test gets a copy. */
let template: Sandbox;
beforeAll(async () => {
  const t = (template = new Sandbox());
  await t.ok(["keygen"]);
  await t.ok(["init"]);
  mkdirSync(t.path("secrets"), { recursive: true });
  writeFileSync(t.path("secrets/app.yaml"), "API_KEY: sk-123\n");
  await t.ok(["encrypt", "-i", "secrets/app.yaml"]);
});
afterAll(() => template?.cleanup());
beforeEach(() => {
  sb = new Sandbox({ from: template });
});
afterEach(() => sb.cleanup());

/** Adds a top-level line to the encrypted file, before its `sops:` block, without any key. */
function tamper(line: string): void {
  const text = readFileSync(sb.path("secrets/app.yaml"), "utf8");
  expect(text).toContain("\nsops:\n");
  writeFileSync(sb.path("secrets/app.yaml"), text.replace("\nsops:\n", `\n${line}\nsops:\n`));
}

describe("run and export refuse entries the MAC does not cover", () => {
  it('an attacker-added PATH: "" still verifies its MAC, and run refuses it (exit 52) without running the command', async () => {
    tamper('PATH: ""');
    // The MAC does not cover it: decrypting succeeds.
    expect(await sb.ok(["decrypt", "secrets/app.yaml"])).toContain('PATH: ""');
    const r = await sb.run(["run", "--", process.execPath, "-e", "process.stdout.write('ran')"]);
    expect(r.code).toBe(52);
    expect(r.stdout).toBe("");
    expect(r.stderr).toBe(
      `secrets: secrets/app.yaml: ["PATH"] is not covered by the file's MAC (an empty string: anyone who can write the file can add it without a key); refusing to inject it (set a value with secrets set, remove it, or pass --allow-unauthenticated)\n`,
    );
    const allowed = JSON.parse(await sb.ok(["run", "--allow-unauthenticated", "--", process.execPath, "-e", PRINT]));
    expect(allowed).toEqual({ PATH: "", API_KEY: "sk-123" });
  });

  for (const [line, reason] of [
    ["PATH: null", "a null"],
    ["PATH: ~", "a null"],
    ["PATH:", "a null"],
    ["PATH: []", "an empty list"],
    ['PATH: [""]', "an empty string"],
  ] as const) {
    it(`${line}: run and export refuse it, and inject it with --allow-unauthenticated`, async () => {
      tamper(line);
      const run = await sb.run(["run", "--", process.execPath, "-e", "0"]);
      expect(run.code).toBe(52);
      expect(run.stderr).toContain(`: ["PATH"`);
      expect(run.stderr).toContain(`(${reason}:`);
      const exp = await sb.run(["export"]);
      expect(exp.code).toBe(52);
      expect(exp.stdout).toBe("");
      expect(exp.stderr.split("\n")).toHaveLength(2);
      const out = await sb.ok(["export", "--allow-unauthenticated", "--format", "json"]);
      expect(Object.keys(JSON.parse(out)).sort()).toEqual(["API_KEY", "PATH"]);
    });
  }

  it("an added {} is not injected at all; inside a list it is refused", async () => {
    tamper("EXTRA: {}");
    const whole = JSON.parse(await sb.ok(["run", "--", process.execPath, "-e", PRINT]));
    expect(whole.API_KEY).toBe("sk-123");
    tamper("PATH: [{}]");
    const r = await sb.run(["export"]);
    expect(r.code).toBe(52);
    expect(r.stderr).toContain(`["PATH"][0] is not covered by the file's MAC (an empty map:`);
    expect(await sb.ok(["export", "--only", "app/PATH", "--allow-unauthenticated"])).toBe("PATH='[{}]'\n");
  });

  it("a selection that leaves the uncovered entry out is not refused", async () => {
    tamper('PATH: ""');
    expect(await sb.ok(["export", "--only", "app/API_KEY"])).toBe("API_KEY=sk-123\n");
  });
});

describe("verify reports entries the MAC does not cover", () => {
  it("a warning naming each escaped path (no value), and an error with --strict", async () => {
    expect((await sb.run(["verify"])).stdout).not.toContain("not covered");
    tamper('PATH: ""\nGIT_SSL_NO_VERIFY: null\n"we\\"ird\\nkey": []\nEMPTY: {}');
    const r = await sb.run(["verify"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines.slice(0, 4)).toEqual([
      `secrets/app.yaml: warning: ["PATH"] is not covered by the MAC (an empty string): anyone who can write the file can add it without a key; run and export refuse it`,
      `secrets/app.yaml: warning: ["GIT_SSL_NO_VERIFY"] is not covered by the MAC (a null): anyone who can write the file can add it without a key; run and export refuse it`,
      `secrets/app.yaml: warning: ["we\\"ird\\nkey"] is not covered by the MAC (an empty list): anyone who can write the file can add it without a key; run and export refuse it`,
      `secrets/app.yaml: warning: ["EMPTY"] is not covered by the MAC (an empty map): anyone who can write the file can add it without a key; run and export refuse it`,
    ]);
    expect(lines[4]).toMatch(/^verify: ok: 1 secret file .*; 4 entries not covered by the MAC$/);
    const strict = await sb.run(["verify", "--strict"]);
    expect(strict.code).toBe(1);
    expect(strict.stdout).toContain(`secrets/app.yaml: error: ["PATH"] is not covered by the MAC`);
    expect(strict.stdout).toContain("verify: FAILED: 4 entries not covered by the MAC in 1 secret file");
    const json = JSON.parse((await sb.run(["verify", "--format", "json"])).stdout);
    expect(json.uncovered).toEqual([
      { file: "secrets/app.yaml", document: 0, path: '["PATH"]', reason: "empty-string" },
      { file: "secrets/app.yaml", document: 0, path: '["GIT_SSL_NO_VERIFY"]', reason: "null" },
      { file: "secrets/app.yaml", document: 0, path: '["we\\"ird\\nkey"]', reason: "empty-list" },
      { file: "secrets/app.yaml", document: 0, path: '["EMPTY"]', reason: "empty-map" },
    ]);
  });

  it("JSON and dotenv files too, and an untouched file of each format reports nothing", async () => {
    writeFileSync(sb.path("secrets/api.json"), '{"TOKEN": "t-1", "nested": {"a": "b"}, "list": ["x"]}\n');
    writeFileSync(sb.path("secrets/worker.env"), "WORKER_TOKEN=w-1\n");
    await sb.ok(["encrypt", "-i", "secrets/api.json"]);
    await sb.ok(["encrypt", "-i", "secrets/worker.env"]);
    expect((await sb.run(["verify", "--strict"])).stdout).not.toContain("not covered");
    const json = readFileSync(sb.path("secrets/api.json"), "utf8");
    writeFileSync(sb.path("secrets/api.json"), json.replace(/^\{\n/, '{\n\t"PATH": "",\n'));
    const env = readFileSync(sb.path("secrets/worker.env"), "utf8");
    writeFileSync(sb.path("secrets/worker.env"), "GIT_SSL_NO_VERIFY=\n" + env);
    const r = await sb.run(["verify"]);
    expect(r.stdout).toContain(`secrets/api.json: warning: ["PATH"] is not covered by the MAC (an empty string)`);
    expect(r.stdout).toContain(`secrets/worker.env: warning: ["GIT_SSL_NO_VERIFY"] is not covered by the MAC (an empty string)`);
  });

  it("is reported without any key (nothing is decrypted)", async () => {
    tamper('PATH: ""');
    mkdirSync(sb.path("no-keys"));
    const r = await sb.run(["verify"], { env: { ...sb.env, XDG_CONFIG_HOME: sb.path("no-keys") } });
    expect(r.stdout).toContain(`secrets/app.yaml: warning: ["PATH"] is not covered by the MAC`);
    expect(r.stdout).toContain("MACs not checked");
  });
});
