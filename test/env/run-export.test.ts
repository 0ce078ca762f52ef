import { spawn, spawnSync } from "node:child_process";
import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { CLI, Sandbox } from "../helpers/cli.js";
import { parseDotenv } from "../../src/dotenv-import/dotenv.js";

/** `secrets run` and `secrets export` over imported secrets, through the built CLI. */

const ENV = [
  "DATABASE_URL=postgresql://user:password@host/db",
  "API_KEY=sk-1234567890",
  "JWT_SECRET_KEY=super-secret",
  "SENTRY_DSN=https://key@sentry.io/project",
  "LOG_LEVEL=INFO",
  "ENVIRONMENT=production",
  "WORKERS=4",
  "",
].join("\n");
/** What import leaves in the plain .env, which `run` loads too (unless --only or --no-dotenv). */
const KEPT = { LOG_LEVEL: "INFO", ENVIRONMENT: "production", WORKERS: "4" };
const MOVED = {
  DATABASE_URL: "postgresql://user:password@host/db",
  API_KEY: "sk-1234567890",
  JWT_SECRET_KEY: "super-secret",
  SENTRY_DSN: "https://key@sentry.io/project",
};
const PRINT_ENV = `process.stdout.write(JSON.stringify(Object.fromEntries(Object.entries(process.env).filter(([k]) => /^[A-Z][A-Z0-9_]*$/.test(k) && !["PATH","HOME","LANG","TMPDIR","XDG_CONFIG_HOME","XDG_RUNTIME_DIR","PWD","SHLVL","_"].includes(k) && !k.startsWith("GIT_")))))`;

let sb: Sandbox;
/** The imported fixture, made once with the CLI; each test gets a copy. */
let template: Sandbox;
beforeAll(async () => {
  const t = (template = new Sandbox());
  await t.ok(["keygen"]);
  await t.ok(["init"]);
  writeFileSync(t.path(".env"), ENV);
  await t.ok(["import", ".env"]);
});
afterAll(() => template?.cleanup());
beforeEach(() => {
  sb = new Sandbox({ from: template });
});
afterEach(() => sb.cleanup());

describe("secrets run", () => {
  it("the command sees the imported secrets under their .env names, and the entries left in .env", async () => {
    const out = await sb.ok(["run", "--", "node", "-e", PRINT_ENV]);
    expect(JSON.parse(out)).toEqual({ ...KEPT, ...MOVED });
    const secretsOnly = await sb.ok(["run", "--no-dotenv", "--", "node", "-e", PRINT_ENV]);
    expect(JSON.parse(secretsOnly)).toEqual(MOVED);
  });

  it("the command does not inherit the age key variables, unless --keep-key-env", async () => {
    const keyFile = `${sb.dir}/config/sops/age/keys.txt`;
    const keyEnv = { SOPS_AGE_KEY_FILE: keyFile, SOPS_AGE_KEY_CMD: `cat ${keyFile}`, SOPS_AGE_SSH_PRIVATE_KEY_FILE: "/nonexistent/id_ed25519" };
    const show = "process.stdout.write(JSON.stringify(Object.keys(process.env).filter((k) => k.startsWith('SOPS_AGE_')).sort()))";
    const stripped = await sb.ok(["run", "--", "node", "-e", show], { env: keyEnv });
    expect(JSON.parse(stripped)).toEqual([]);
    const kept = await sb.ok(["run", "--keep-key-env", "--", "node", "-e", show], { env: keyEnv });
    expect(JSON.parse(kept)).toEqual(["SOPS_AGE_KEY_CMD", "SOPS_AGE_KEY_FILE", "SOPS_AGE_SSH_PRIVATE_KEY_FILE"]);
    const inline = await sb.ok(["run", "--", "node", "-e", show], { env: { SOPS_AGE_KEY: readFileSync(keyFile, "utf8") } });
    expect(JSON.parse(inline)).toEqual([]);
  });

  it("nested keys become UPPER_SNAKE; --only and --file select", async () => {
    mkdirSync(sb.path("secrets/database"), { recursive: true });
    writeFileSync(sb.path("secrets/database/postgres.yaml"), "password: pg-pw\nreplica:\n    host: r.internal\n    maxConns: 20\n");
    await sb.ok(["encrypt", "-i", "secrets/database/postgres.yaml"]);
    writeFileSync(sb.path("ci.yaml"), "ciToken: ci-tok\n");
    await sb.ok(["encrypt", "-i", "--age", (await sb.ok(["keygen"])).trim(), "ci.yaml"]);

    const all = JSON.parse(await sb.ok(["run", "--", "node", "-e", PRINT_ENV]));
    expect(all).toEqual({ ...KEPT, ...MOVED, PASSWORD: "pg-pw", REPLICA_HOST: "r.internal", REPLICA_MAX_CONNS: "20" });
    const only = JSON.parse(await sb.ok(["run", "--only", "app/API_KEY,database/postgres/replica", "--", "node", "-e", PRINT_ENV]));
    expect(only).toEqual({ API_KEY: "sk-1234567890", REPLICA_HOST: "r.internal", REPLICA_MAX_CONNS: "20" });
    const file = JSON.parse(await sb.ok(["run", "--file", "ci.yaml", "--only", "app/SENTRY_DSN", "--", "node", "-e", PRINT_ENV]));
    expect(file).toEqual({ CI_TOKEN: "ci-tok", SENTRY_DSN: MOVED.SENTRY_DSN });
    const none = await sb.run(["run", "--only", "app/NOPE", "--", "node", "-e", "0"]);
    expect(none.code).not.toBe(0);
    expect(none.stderr).toBe("secrets: no secret under app/NOPE\n");
  });

  it("two secrets with one variable name are an error naming both, no values", async () => {
    writeFileSync(sb.path("secrets/worker.yaml"), "API_KEY: sk-other-value\n");
    await sb.ok(["encrypt", "-i", "secrets/worker.yaml"]);
    const r = await sb.run(["run", "--", "node", "-e", "0"]);
    expect(r.code).toBe(8);
    expect(r.stderr).toBe("secrets: two secrets would be API_KEY: secrets/app.yaml (API_KEY) and secrets/worker.yaml (API_KEY); narrow the selection with --env, --file or --only\n");
  });

  it("exits with the command's exit code; a missing command is 127", async () => {
    expect((await sb.run(["run", "--", "node", "-e", "process.exit(42)"])).code).toBe(42);
    const r = await sb.run(["run", "--", "definitely-not-a-command-xyz"]);
    expect(r.code).toBe(127);
    expect(r.stderr).toBe("secrets: command not found: definitely-not-a-command-xyz\n");
  });

  it("forwards SIGTERM and SIGINT to the command and reports how it ended", async () => {
    for (const sig of ["SIGTERM", "SIGINT"] as const) {
      const child = spawn(process.execPath, [CLI, "run", "--", "node", "-e", `process.on("${sig}", () => { process.stdout.write("got ${sig} " + process.env.API_KEY); process.exit(7); }); process.stdout.write("ready\\n"); setInterval(() => {}, 1000);`], {
        cwd: sb.repo,
        env: sb.env,
      });
      let out = "";
      child.stdout.on("data", (c) => (out += c));
      await new Promise<void>((resolve) => {
        const t = setInterval(() => {
          if (out.includes("ready")) {
            clearInterval(t);
            resolve();
          }
        }, 20);
      });
      child.kill(sig);
      const code = await new Promise<number | null>((resolve) => child.on("close", (c) => resolve(c)));
      expect(out).toContain(`got ${sig} sk-1234567890`);
      expect(code).toBe(7);
    }
    // A command killed by a signal: 128 + its number, as shells report it.
    expect((await sb.run(["run", "--", "node", "-e", "process.kill(process.pid, 'SIGKILL')"])).code).toBe(137);
  });
});

describe("secrets export", () => {
  it("dotenv (default), json and shell give the same variables", async () => {
    writeFileSync(sb.path("secrets/tricky.yaml"), `QUOTES: "it's \\"quoted\\""\nMULTI: "line1\\nline2"\nDOLLAR: "$HOME and \`x\`"\nSPACES: "  padded  "\n`);
    await sb.ok(["encrypt", "-i", "secrets/tricky.yaml"]);
    const expected = { ...MOVED, QUOTES: `it's "quoted"`, MULTI: "line1\nline2", DOLLAR: "$HOME and `x`", SPACES: "  padded  " };

    const dotenv = await sb.ok(["export"]);
    expect(Object.fromEntries(parseDotenv(dotenv).map((e) => [e.key, e.value]))).toEqual(expected);
    expect(dotenv).toContain("API_KEY=sk-1234567890\n");

    expect(JSON.parse(await sb.ok(["export", "--format", "json"]))).toEqual(expected);

    const shell = await sb.ok(["export", "--format", "shell"]);
    const sh = spawnSync("sh", ["-c", `${shell}\nnode -e '${PRINT_ENV.replace(/'/g, `'\\''`)}'`], { env: { PATH: process.env.PATH }, encoding: "utf8" });
    expect(JSON.parse(sh.stdout)).toEqual(expected);
  });

  it("a file argument exports that file; a bad format is a usage error", async () => {
    expect(await sb.ok(["export", "--format", "json", "secrets/app.yaml", "--only", "app/API_KEY"])).toBe(JSON.stringify(MOVED, Object.keys(MOVED).sort(), 2) + "\n");
    const r = await sb.run(["export", "--format", "xml"]);
    expect(r.code).toBe(1);
    expect(r.stderr).toBe('secrets: unknown export format "xml" (expected dotenv, json, shell)\n');
  });
});
