import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";

/** What a dotenvx user relies on (issue #17): `secrets list`, and `secrets run`'s plain .env and empty-root notice. */

const ENV = ["DATABASE_URL=postgresql://user:pw-9f8e7d@host/db", "API_KEY=sk-live-4b3c2a1", "LOG_LEVEL=debug", "WORKERS=4", ""].join("\n");
const VALUES = ["postgresql://user:pw-9f8e7d@host/db", "sk-live-4b3c2a1"];

let template: Sandbox;
let sb: Sandbox;
beforeAll(async () => {
  const t = (template = new Sandbox());
  await t.ok(["keygen"]);
  await t.ok(["init"]);
  writeFileSync(t.path(".env"), ENV);
  await t.ok(["import", ".env"]);
  mkdirSync(t.path("secrets", "database"));
  writeFileSync(t.path("secrets", "database", "postgres.yaml"), "password: pg-pass-77aa\nuser: app\n");
  await t.ok(["encrypt", "-i", "secrets/database/postgres.yaml"]);
});
afterAll(() => template?.cleanup());
beforeEach(() => {
  sb = new Sandbox({ from: template });
});
afterEach(() => sb.cleanup());

describe("secrets list", () => {
  it("prints every secret path with its file, and no value", async () => {
    const r = await sb.run(["list"]);
    expect(r.code).toBe(0);
    const lines = r.stdout.trimEnd().split("\n");
    expect(lines[0]).toMatch(/^PATH\s+FILE$/);
    expect(lines.slice(1).map((l) => l.split(/\s+/))).toEqual([
      ["app/API_KEY", "secrets/app.yaml"],
      ["app/DATABASE_URL", "secrets/app.yaml"],
      ["database/postgres/password", "secrets/database/postgres.yaml"],
      ["database/postgres/user", "secrets/database/postgres.yaml"],
    ]);
    for (const v of [...VALUES, "pg-pass-77aa"]) expect(r.stdout + r.stderr).not.toContain(v);
  });

  it("PREFIX narrows it; --format json; an unknown prefix is an error", async () => {
    const r = await sb.run(["list", "database", "--format", "json"]);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([
      { path: "database/postgres/password", file: "secrets/database/postgres.yaml" },
      { path: "database/postgres/user", file: "secrets/database/postgres.yaml" },
    ]);
    expect(r.stdout).not.toContain("pg-pass-77aa");
    const bad = await sb.run(["list", "nope"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr).toContain("no secret under nope");
    expect((await sb.run(["list", "--format", "xml"])).code).not.toBe(0);
  });

  it("needs no key: nothing is decrypted", async () => {
    const r = await sb.run(["list", "app"], { env: { XDG_CONFIG_HOME: `${sb.dir}/nowhere`, HOME: `${sb.dir}/nowhere` } });
    expect(r.code).toBe(0);
    expect(r.stdout).toContain("app/API_KEY");
  });
});

describe("secrets run with nothing to inject", () => {
  it("says on one stderr line that no secrets were found, then still runs the command", async () => {
    const empty = new Sandbox();
    try {
      const r = await empty.run(["run", "--", "node", "-e", "process.stdout.write('ran'); process.exit(3)"]);
      expect(r.code).toBe(3);
      expect(r.stdout).toBe("ran");
      expect(r.stderr.trimEnd().split("\n")).toEqual([expect.stringMatching(/^secrets run: no secrets found under secrets; running the command without any$/)]);
    } finally {
      empty.cleanup();
    }
  });

  it("--help says what happens when nothing is found", async () => {
    const help = await sb.ok(["run", "--help"]);
    expect(help).toMatch(/when there is none, one line on\s+stderr says so and the command still runs/);
  });

  it("is silent when secrets were injected", async () => {
    const r = await sb.run(["run", "--", "node", "-e", "process.stdout.write(process.env.API_KEY ? 'yes' : 'no')"]);
    expect(r.stdout).toBe("yes");
    expect(r.stderr).toBe("");
  });
});

const PRINT = (names: string[]) => `process.stdout.write(JSON.stringify(Object.fromEntries(${JSON.stringify(names)}.map((k) => [k, process.env[k] ?? null]))))`;

describe("secrets run loads the plain .env import left behind", () => {
  it("the command gets LOG_LEVEL and WORKERS from .env beside the encrypted secrets", async () => {
    expect(readFileSync(sb.path(".env"), "utf8")).toBe("LOG_LEVEL=debug\nWORKERS=4\n"); // what import left
    const out = await sb.ok(["run", "--", "node", "-e", PRINT(["LOG_LEVEL", "WORKERS", "API_KEY"])]);
    expect(JSON.parse(out)).toEqual({ LOG_LEVEL: "debug", WORKERS: "4", API_KEY: "sk-live-4b3c2a1" });
  });

  it("the encrypted value wins on a clash; the environment wins over .env", async () => {
    writeFileSync(sb.path(".env"), "LOG_LEVEL=debug\nAPI_KEY=plain-stale-key\n");
    const out = await sb.ok(["run", "--", "node", "-e", PRINT(["LOG_LEVEL", "API_KEY"])], { env: { LOG_LEVEL: "warn" } });
    expect(JSON.parse(out)).toEqual({ LOG_LEVEL: "warn", API_KEY: "sk-live-4b3c2a1" });
  });

  it("not with --no-dotenv or --only, nor a sops-encrypted .env; --help says so", async () => {
    const names = PRINT(["LOG_LEVEL", "API_KEY"]);
    expect(JSON.parse(await sb.ok(["run", "--no-dotenv", "--", "node", "-e", names]))).toEqual({ LOG_LEVEL: null, API_KEY: "sk-live-4b3c2a1" });
    expect(JSON.parse(await sb.ok(["run", "--only", "app/API_KEY", "--", "node", "-e", names]))).toEqual({ LOG_LEVEL: null, API_KEY: "sk-live-4b3c2a1" });
    writeFileSync(sb.path(".env"), "LOG_LEVEL=ENC[AES256_GCM,data:x,iv:y,tag:z,type:str]\nsops_version=3.9.0\n");
    expect(JSON.parse(await sb.ok(["run", "--", "node", "-e", names]))).toEqual({ LOG_LEVEL: null, API_KEY: "sk-live-4b3c2a1" });
    const help = await sb.ok(["run", "--help"]);
    expect(help).toContain("--no-dotenv");
    expect(help).toMatch(/an encrypted secret wins over a \.env entry of the same name/);
  });

  it("a .env that does not parse is an error naming the file and line, not its text", async () => {
    writeFileSync(sb.path(".env"), "LOG_LEVEL=debug\nthis is not dotenv sk-live-4b3c2a1\n");
    const r = await sb.run(["run", "--", "node", "-e", "0"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toMatch(/\.env.*line 2/);
    expect(r.stderr).not.toContain("sk-live");
  });
});

describe("secrets set and get by secret path", () => {
  it("set SECRET_PATH --value-stdin writes the text as a string where get reads it; other values keep their ciphertext", async () => {
    const before = readFileSync(sb.path("secrets", "app.yaml"), "utf8");
    const dbLine = before.split("\n").find((l) => l.startsWith("DATABASE_URL:"));
    await sb.ok(["set", "app/API_KEY", "--value-stdin"], { input: "sk-new-8d7c6b" });
    expect(await sb.ok(["get", "app/API_KEY"])).toBe("sk-new-8d7c6b");
    const after = readFileSync(sb.path("secrets", "app.yaml"), "utf8");
    expect(after).not.toContain("sk-new-8d7c6b");
    expect(after.split("\n")).toContain(dbLine);
  });

  it("set SECRET_PATH VALUE takes the value as text (5 stays the string \"5\"), and makes a new file under the rule", async () => {
    await sb.ok(["set", "billing/stripe/WEBHOOK_SECRET", "whsec-123"]);
    await sb.ok(["set", "app/WORKERS", "5"]);
    expect(await sb.ok(["get", "billing/stripe/WEBHOOK_SECRET"])).toBe("whsec-123");
    expect(readFileSync(sb.path("secrets", "billing", "stripe.yaml"), "utf8")).toMatch(/WEBHOOK_SECRET: ENC\[AES256_GCM,data:[^,]+,iv:[^,]+,tag:[^,]+,type:str\]/);
    expect(await sb.ok(["decrypt", "--extract", '["WORKERS"]', "secrets/app.yaml"])).toBe("5");
    expect(readFileSync(sb.path("secrets", "app.yaml"), "utf8")).toMatch(/WORKERS: ENC\[[^\]]*type:str\]/);
  });

  it("the file form still works beside it, and FILE PATH without a value still says the value is missing", async () => {
    await sb.ok(["set", "secrets/app.yaml", "API_KEY", '"sk-file-form"']);
    expect(await sb.ok(["get", "app/API_KEY"])).toBe("sk-file-form");
    await sb.ok(["set", "--value-stdin", "secrets/app.yaml", "API_KEY"], { input: '"sk-stdin-file"' });
    expect(await sb.ok(["get", "secrets/app.yaml", "API_KEY"])).toBe("sk-stdin-file");
    const missing = await sb.run(["set", "secrets/app.yaml", "API_KEY"]);
    expect(missing.code).toBe(7);
    expect(missing.stderr).toMatch(/missing VALUE/);
    expect(readFileSync(sb.path("secrets", "app.yaml"), "utf8")).not.toContain("secrets/app.yaml:");
  });

  it("a bad secret path or a file-form flag is a one-line error; --help shows both forms", async () => {
    const bad = await sb.run(["set", "app/../x", "v"]);
    expect(bad.code).not.toBe(0);
    expect(bad.stderr.trimEnd().split("\n")).toHaveLength(1);
    const flag = await sb.run(["set", "app/API_KEY", "v", "--idempotent"]);
    expect(flag.stderr).toMatch(/FILE PATH form only/);
    const help = await sb.ok(["set", "--help"]);
    expect(help).toContain("secrets set app/API_KEY --value-stdin");
    expect(help).toContain("SECRET_PATH [VALUE]");
  });
});

describe("secrets run --env NAME: per-environment files", () => {
  const setUp = async () => {
    await sb.ok(["set", "production/app/DATABASE_URL", "postgresql://prod-host/db"]);
    await sb.ok(["set", "staging/app/DATABASE_URL", "postgresql://staging-host/db"]);
    writeFileSync(sb.path(".env.production"), "LOG_LEVEL=warn\n");
  };

  it("injects the secrets under secrets/NAME/ only, named as if NAME/ were the root, with .env.NAME over .env", async () => {
    await setUp();
    const out = await sb.ok(["run", "--env", "production", "--", "node", "-e", PRINT(["DATABASE_URL", "API_KEY", "LOG_LEVEL", "WORKERS"])]);
    expect(JSON.parse(out)).toEqual({ DATABASE_URL: "postgresql://prod-host/db", API_KEY: null, LOG_LEVEL: "warn", WORKERS: "4" });
    const staging = await sb.ok(["run", "--env", "staging", "--", "node", "-e", PRINT(["DATABASE_URL", "LOG_LEVEL"])]);
    expect(JSON.parse(staging)).toEqual({ DATABASE_URL: "postgresql://staging-host/db", LOG_LEVEL: "debug" });
    expect(JSON.parse(await sb.ok(["export", "--env", "staging", "--format", "json"]))).toEqual({ DATABASE_URL: "postgresql://staging-host/db" });
  });

  it("without --env the environments clash and the error says to pick one; a missing or malformed NAME is a one-line error", async () => {
    await setUp();
    const clash = await sb.run(["run", "--", "true"]);
    expect(clash.code).toBe(8);
    expect(clash.stderr).toMatch(/two secrets would be DATABASE_URL: .*narrow the selection with --env/);
    const missing = await sb.run(["run", "--env", "prod", "--", "node", "-e", "process.stdout.write('ran')"]);
    expect(missing.stdout).toBe("");
    expect(missing.stderr).toBe("secrets: no environment prod: secrets/prod/ is not a folder of the secrets root\n");
    expect(missing.code).toBe(100);
    const bad = await sb.run(["run", "--env", "../app", "--", "true"]);
    expect(bad.stderr).toMatch(/^secrets: --env: an environment is a name like production/);
    expect(bad.stderr.trimEnd().split("\n")).toHaveLength(1);
  });

  it("--help states the naming rule", async () => {
    const help = await sb.ok(["run", "--help"]);
    expect(help).toContain("secrets run --env production -- node server.js");
    expect(help).toMatch(/<root>\/NAME\/ only/);
    expect(help).toMatch(/\.env\.NAME is loaded over\s+\.env/);
  });
});
