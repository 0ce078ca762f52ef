import { mkdirSync, readFileSync, statSync, writeFileSync, existsSync, chmodSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { parse as parseYaml } from "yaml";
import { Sandbox } from "../helpers/cli.js";

/** `secrets import` end to end, through the built CLI, in temporary git repositories. */

export const ISSUE_ENV = [
  "# production settings",
  "DATABASE_URL=postgresql://user:password@host/db",
  "API_KEY=sk-1234567890",
  "JWT_SECRET_KEY=super-secret",
  "SENTRY_DSN=https://key@sentry.io/project",
  "LOG_LEVEL=INFO",
  "ENVIRONMENT=production",
  "WORKERS=4",
  "",
].join("\n");
export const MOVED = {
  DATABASE_URL: "postgresql://user:password@host/db",
  API_KEY: "sk-1234567890",
  JWT_SECRET_KEY: "super-secret",
  SENTRY_DSN: "https://key@sentry.io/project",
};
const SECRET_VALUES = ["user:password", "sk-1234567890", "super-secret", "key@sentry.io"];

let sb: Sandbox;
/** keygen and init, run once; each test gets a copy. */
let template: Sandbox;
beforeAll(async () => {
  template = new Sandbox();
  await template.ok(["keygen"]);
  await template.ok(["init"]);
});
afterAll(() => template?.cleanup());
beforeEach(() => {
  sb = new Sandbox({ from: template });
});
afterEach(() => sb.cleanup());

function noValues(text: string): void {
  for (const v of SECRET_VALUES) expect(text).not.toContain(v);
}

async function decryptJson(file: string): Promise<Record<string, unknown>> {
  return JSON.parse(await sb.ok(["decrypt", "--output-type", "json", file]));
}

describe("secrets import .env", () => {
  it("moves exactly the four secrets, keeps the rest in .env, prints names only", async () => {
    writeFileSync(sb.path(".env"), ISSUE_ENV);
    chmodSync(sb.path(".env"), 0o640);
    const r = await sb.run(["import", ".env"]);
    expect(r.code).toBe(0);
    noValues(r.stdout + r.stderr);
    for (const k of Object.keys(MOVED)) expect(r.stdout).toMatch(new RegExp(`encrypt +${k} +as app/${k} `));
    for (const k of ["LOG_LEVEL", "ENVIRONMENT", "WORKERS"]) expect(r.stdout).toMatch(new RegExp(`keep +${k}$`, "m"));
    expect(r.stdout).toContain("4 secrets in secrets/app.yaml; .env keeps 3 entries");
    expect(r.stderr).toBe(""); // never committed: nothing to warn about

    expect(readFileSync(sb.path(".env"), "utf8")).toBe("# production settings\nLOG_LEVEL=INFO\nENVIRONMENT=production\nWORKERS=4\n");
    expect(statSync(sb.path(".env")).mode & 0o777).toBe(0o640);
    const enc = readFileSync(sb.path("secrets/app.yaml"), "utf8");
    noValues(enc);
    expect(Object.keys(parseYaml(enc))).toEqual([...Object.keys(MOVED), "sops"]);
    expect(await decryptJson("secrets/app.yaml")).toEqual(MOVED);
    // By path, with the one-argument get.
    expect(await sb.ok(["get", "app/DATABASE_URL"])).toBe(MOVED.DATABASE_URL);
    expect(await sb.ok(["get", "secrets/app.yaml", "API_KEY"])).toBe(MOVED.API_KEY);

    // A second run finds nothing left to move.
    const again = await sb.run(["import", ".env"]);
    expect(again.code).toBe(0);
    expect(again.stdout).toContain("nothing to import");
  });

  it("--dry-run prints the plan and writes nothing", async () => {
    writeFileSync(sb.path(".env"), ISSUE_ENV);
    const r = await sb.run(["import", ".env", "--dry-run"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/^plan \(dry run, nothing written\): \.env -> secrets\/app\.yaml \(new file\)$/m);
    noValues(r.stdout + r.stderr);
    expect(readFileSync(sb.path(".env"), "utf8")).toBe(ISSUE_ENV);
    expect(existsSync(sb.path("secrets/app.yaml"))).toBe(false);
  });

  it("--all moves everything; --to picks the file", async () => {
    writeFileSync(sb.path(".env"), ISSUE_ENV);
    await sb.ok(["import", ".env", "--all", "--to", "secrets/prod/app.yaml"]);
    expect(readFileSync(sb.path(".env"), "utf8")).toBe("# production settings\n");
    expect(await decryptJson("secrets/prod/app.yaml")).toEqual({ ...MOVED, LOG_LEVEL: "INFO", ENVIRONMENT: "production", WORKERS: "4" });
    expect(await sb.ok(["get", "prod/app/WORKERS"])).toBe("4");
  });

  it("says when the .env was committed and lists the values to rotate", async () => {
    writeFileSync(sb.path(".env"), ISSUE_ENV.replace("sk-1234567890", "sk-OLDOLDOLDOLD"));
    sb.git("add", ".env");
    sb.git("commit", "-qm", "old env");
    writeFileSync(sb.path(".env"), ISSUE_ENV);
    sb.git("commit", "-qam", "new env");
    const r = await sb.run(["import", ".env"]);
    expect(r.code).toBe(0);
    noValues(r.stdout + r.stderr);
    expect(r.stderr).toContain("warning: .env was committed to git (2 commits, and it is tracked); these values are in the repository's history and must be rotated: DATABASE_URL, API_KEY, JWT_SECRET_KEY, SENTRY_DSN");
    expect(r.stderr).toContain("warning: earlier values of API_KEY are in git history too");
    expect(r.stderr).toContain("git rm --cached .env");
    expect(r.stderr).not.toContain("OLDOLD");
  });

  it("a .env committed on another branch only counts too; a staged one is reported", async () => {
    writeFileSync(sb.path("README"), "x\n");
    sb.git("add", "README");
    sb.git("commit", "-qm", "init");
    sb.git("checkout", "-qb", "feature");
    writeFileSync(sb.path(".env"), ISSUE_ENV);
    sb.git("add", ".env");
    sb.git("commit", "-qm", "oops");
    sb.git("checkout", "-q", "main");
    writeFileSync(sb.path(".env"), ISSUE_ENV);
    const r = await sb.run(["import", ".env", "--dry-run"]);
    expect(r.stderr).toContain("(1 commit); these values are in the repository's history and must be rotated: DATABASE_URL, API_KEY, JWT_SECRET_KEY, SENTRY_DSN");

    const sb2 = new Sandbox();
    try {
      await sb2.ok(["keygen"]);
      await sb2.ok(["init"]);
      writeFileSync(sb2.path(".env"), ISSUE_ENV);
      sb2.git("add", ".env");
      const s = await sb2.run(["import", ".env", "--dry-run"]);
      expect(s.stderr).toContain("(0 commits, and it is tracked); these values are in the repository's history and must be rotated");
    } finally {
      sb2.cleanup();
    }
  });

  it("merges into an existing file: its values keep their ciphertext; a different value is a conflict unless --overwrite", async () => {
    mkdirSync(sb.path("secrets"));
    writeFileSync(sb.path("secrets/app.yaml"), "EXISTING: keep-me\nAPI_KEY: sk-1234567890\n");
    await sb.ok(["encrypt", "-i", "secrets/app.yaml"]);
    const before = parseYaml(readFileSync(sb.path("secrets/app.yaml"), "utf8"));
    writeFileSync(sb.path(".env"), ISSUE_ENV);
    const r = await sb.run(["import", ".env"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/already there +API_KEY/);
    const after = parseYaml(readFileSync(sb.path("secrets/app.yaml"), "utf8"));
    expect(after.EXISTING).toBe(before.EXISTING);
    expect(after.API_KEY).toBe(before.API_KEY);
    expect(after.sops.age).toEqual(before.sops.age);
    expect(await decryptJson("secrets/app.yaml")).toEqual({ EXISTING: "keep-me", ...MOVED });

    // Now the target has another API_KEY than a new .env.
    writeFileSync(sb.path(".env"), "API_KEY=sk-different-999\nLOG_LEVEL=INFO\n");
    const snapshot = readFileSync(sb.path("secrets/app.yaml"), "utf8");
    const c = await sb.run(["import", ".env"]);
    expect(c.code).toBe(8);
    expect(c.stderr).toBe("secrets: secrets/app.yaml already has different values for API_KEY; nothing was changed (re-run with --overwrite to replace them)\n");
    expect(readFileSync(sb.path("secrets/app.yaml"), "utf8")).toBe(snapshot);
    expect(readFileSync(sb.path(".env"), "utf8")).toBe("API_KEY=sk-different-999\nLOG_LEVEL=INFO\n");
    const dry = await sb.run(["import", ".env", "--dry-run"]);
    expect(dry.stdout).toMatch(/CONFLICT +API_KEY/);
    await sb.ok(["import", ".env", "--overwrite"]);
    expect(await sb.ok(["get", "app/API_KEY"])).toBe("sk-different-999");
    expect(readFileSync(sb.path(".env"), "utf8")).toBe("LOG_LEVEL=INFO\n");
  });

  it("without a .sops.yaml rule for the target nothing changes", async () => {
    writeFileSync(sb.path(".env"), ISSUE_ENV);
    const r = await sb.run(["import", ".env", "--to", "elsewhere/app.yaml"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/^secrets: .*no matching creation rules found/);
    expect(r.stderr.split("\n").filter(Boolean)).toHaveLength(1);
    expect(readFileSync(sb.path(".env"), "utf8")).toBe(ISSUE_ENV);
    expect(existsSync(sb.path("elsewhere/app.yaml"))).toBe(false);
  });

  it("a malformed .env is a one-line error with a line number, and nothing changes", async () => {
    writeFileSync(sb.path(".env"), "API_KEY=sk-1234567890\nnot an entry sk-1234567890\n");
    const r = await sb.run(["import", ".env"]);
    expect(r.code).toBe(2);
    expect(r.stderr).toBe("secrets: .env: line 2: expected NAME=value\n");
    expect(existsSync(sb.path("secrets/app.yaml"))).toBe(false);
  });
});

describe("secrets import of JSON and YAML", () => {
  it("JSON: nested secrets move under the same path; the rest is rewritten in place", async () => {
    writeFileSync(
      sb.path("config.json"),
      '{\n  "service": {\n    "name": "api",\n    "port": 8080,\n    "db": {\n      "host": "db.internal",\n      "password": "pw-123456"\n    }\n  },\n  "stripe": {\n    "apiKey": "sk_live_abcdefghijkl"\n  },\n  "big": 1234567890123456789\n}\n',
    );
    const r = await sb.run(["import", "config.json", "--to", "secrets/config.yaml"]);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/encrypt +service\.db\.password +as config\/service\/db\/password/);
    expect(r.stdout).toMatch(/encrypt +stripe\.apiKey +as config\/stripe\/apiKey/);
    noValues(r.stdout);
    expect(readFileSync(sb.path("config.json"), "utf8")).toBe('{\n  "service": {\n    "name": "api",\n    "port": 8080,\n    "db": {\n      "host": "db.internal"\n    }\n  },\n  "big": 1234567890123456789\n}\n');
    expect(await decryptJson("secrets/config.yaml")).toEqual({ service: { db: { password: "pw-123456" } }, stripe: { apiKey: "sk_live_abcdefghijkl" } });
    expect(await sb.ok(["get", "config/stripe/apiKey"])).toBe("sk_live_abcdefghijkl");
  });

  it("YAML: comments and formatting of what stays are kept", async () => {
    writeFileSync(sb.path("values.yaml"), "# chart values\nreplicas: 3 # scale\ndb:\n  host: db.internal\n  password: pw-abcdef\nauth:\n  token: t0k3n-value\n");
    await sb.ok(["import", "values.yaml", "--to", "secrets/values.yaml"]);
    expect(readFileSync(sb.path("values.yaml"), "utf8")).toBe("# chart values\nreplicas: 3 # scale\ndb:\n  host: db.internal\n");
    expect(await decryptJson("secrets/values.yaml")).toEqual({ db: { password: "pw-abcdef" }, auth: { token: "t0k3n-value" } });
  });
});

describe("secrets get: the two forms", () => {
  it("SECRET_PATH or FILE PATH; flags of one form are refused with the other", async () => {
    writeFileSync(sb.path(".env"), ISSUE_ENV);
    await sb.ok(["import", ".env"]);
    mkdirSync(sb.path("src"));
    expect(await sb.ok(["get", "app/JWT_SECRET_KEY"], { cwd: sb.path("src") })).toBe(MOVED.JWT_SECRET_KEY);
    expect(await sb.ok(["get", "--root", "secrets", "app/API_KEY"])).toBe(MOVED.API_KEY);
    expect(await sb.ok(["get", "secrets/app.yaml", "SENTRY_DSN"])).toBe(MOVED.SENTRY_DSN);
    const a = await sb.run(["get", "--ignore-mac", "app/API_KEY"]);
    expect(a.code).toBe(1);
    expect(a.stderr).toBe("secrets: --input-type and --ignore-mac apply to the FILE PATH form only (a secret path reads the file as it is named)\n");
    const b = await sb.run(["get", "--root", "secrets", "secrets/app.yaml", "API_KEY"]);
    expect(b.stderr).toBe("secrets: --root applies to the one-argument form (secrets get SECRET_PATH) only\n");
    const c = await sb.run(["get", "app/NOPE"]);
    expect(c.code).toBe(1);
    expect(c.stderr).toBe("secrets: secret app/NOPE not found: secrets/app.yaml has no key NOPE\n");
    const d = await sb.run(["get", "DATABASE_URL"]);
    expect(d.code).toBe(91);
    expect(d.stderr).toMatch(/^secrets: secret path "DATABASE_URL" names no key: a secret path is FILE\/KEY, e.g. app\/DATABASE_URL/);
  });
});
