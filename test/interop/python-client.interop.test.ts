import { spawnSync } from "node:child_process";
import { existsSync, mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsClient as TsClient } from "../../src/index.js";
import { IntegrityError, PermissionDenied, SecretNotFound, SecretPathError, SecretTypeError, ServerUnavailable } from "../../src/secrets/errors.js";
import { ROOT, type Sandbox } from "../helpers/cli.js";
import { loginWorks, startPostgres, writeDatabaseEngine, type TestPostgres } from "../helpers/postgres.js";
import { buildFixture, startServe, VALUES, type Served } from "../server/serve-helpers.js";

/**
 * The Python client (clients/python, package `secrets_client`) against the built `secrets serve`
 * on loopback, over a real PostgreSQL for the `database/` mount: `python3 -m unittest` runs its
 * tests (clients/python/tests: every method, async and sync, the error types, get_many's request
 * count read from the audit log, a denied path under an ACL policy, the seed's two snippets as
 * written but for the address, with Vault's AWS engine from a stand-in), then this file checks what
 * they leave behind: the revoked database user gone and the kept one able to log in, the metadata
 * Python wrote read by the TypeScript SDK, the committed file still encrypted, no value or token in
 * Python's output.
 */

const PYTHON_DIR = join(ROOT, "clients", "python");

/**
 * The interpreter `python3` on PATH runs, by its real path: a pyenv shim finds its interpreter
 * through $HOME, which the tests point at the sandbox's (so that no ~/.vault-token of the host is read).
 */
function pythonExecutable(): string {
  const r = spawnSync("python3", ["-c", "import sys; print(sys.executable)"], { encoding: "utf8" });
  expect(r.status, r.stderr).toBe(0);
  return r.stdout.trim();
}

/** Values the tests' fixture adds to serve-helpers' VALUES; none may appear in an output. */
const MORE_VALUES = ["pg-old-Passw0rd", "app_user", "postgresql://app:db-url-Secret@db.internal/app", "sk_test_stripe-0123", "jwt-private-key-material", "redis-Passw0rd", "meta-value-0123"];

const FILES: Record<string, string> = {
  "secrets/database/postgres.yaml": `password: ${MORE_VALUES[0]}\nuser: ${MORE_VALUES[1]}\n`,
  "secrets/database.yaml": `url: "${MORE_VALUES[2]}"\n`,
  "secrets/external/stripe.yaml": `api_key: ${MORE_VALUES[3]}\n`,
  "secrets/jwt.yaml": `private_key: ${MORE_VALUES[4]}\n`,
  "secrets/cache.yaml": `redis:\n  password: ${MORE_VALUES[5]}\n  password_metadata_unencrypted:\n    owner: team-cache\n    ttl_days: 90\n  port: 6379\n`,
  "secrets/meta.yaml": `k: ${MORE_VALUES[6]}\n`,
};

const POLICIES: Record<string, string> = {
  reader: 'path "secret/data/team/*" {\n  capabilities = ["read"]\n}\n',
  writer: 'path "secret/data/team/*" {\n  capabilities = ["read", "create", "update"]\n}\n',
};

let db: TestPostgres;
let sb: Sandbox;
let served: Served;
let tokens: { reader: string; writer: string };
let auditFile: string;
let reportFile: string;
let run: { status: number | null; stdout: string; stderr: string };

beforeAll(async () => {
  db = await startPostgres();
  sb = await buildFixture();
  for (const [file, text] of Object.entries(FILES)) {
    mkdirSync(join(sb.repo, file, ".."), { recursive: true });
    writeFileSync(sb.path(file), text);
    await sb.ok(["encrypt", "-i", file]);
  }
  await writeDatabaseEngine(sb, db, { mount: true });
  // The engine's .sops.yaml names its config folder only: secrets/ needs a rule too, for the files `set` creates.
  writeFileSync(sb.path(".sops.yaml"), `${readFileSync(sb.path(".sops.yaml"), "utf8")}  - path_regex: (^|/)secrets/\n    age: *me\n`);
  // A mount table replaces the dev-mode `secret/`: it is declared beside `database/`.
  writeFileSync(sb.path(".secrets/mounts.yaml"), 'secrets:\n  secret/: {type: kv, options: {version: "2"}}\n  database/: {type: database}\n');
  mkdirSync(sb.path(".secrets", "policies"), { recursive: true });
  for (const [name, text] of Object.entries(POLICIES)) writeFileSync(sb.path(`.secrets/policies/${name}.hcl`), text);
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "python client fixture");
  tokens = {
    reader: (await sb.ok(["token", "create", "reader", "--policy", "reader", "--commit"])).trim(),
    writer: (await sb.ok(["token", "create", "writer", "--policy", "writer", "--commit"])).trim(),
  };
  auditFile = join(sb.dir, "audit.log");
  reportFile = join(sb.dir, "python-report.json");
  served = await startServe(sb, ["--audit-file", auditFile]);
  const r = spawnSync(pythonExecutable(), ["-m", "unittest", "discover", "-v", "-s", "tests", "-t", "."], {
    cwd: PYTHON_DIR,
    encoding: "utf8",
    timeout: 300_000,
    env: {
      PATH: process.env.PATH,
      LANG: process.env.LANG ?? "C.UTF-8",
      HOME: sb.env.HOME,
      PYTHONDONTWRITEBYTECODE: "1",
      VAULT_ADDR: served.url,
      VAULT_TOKEN: served.rootToken,
      SECRETS_TEST_READER_TOKEN: tokens.reader,
      SECRETS_TEST_WRITER_TOKEN: tokens.writer,
      SECRETS_TEST_AUDIT_FILE: auditFile,
      SECRETS_TEST_REPORT: reportFile,
      SECRETS_TEST_VALUES: JSON.stringify([...VALUES, ...MORE_VALUES]),
    },
  });
  run = { status: r.status, stdout: r.stdout, stderr: r.stderr };
}, 400_000);

afterAll(async () => {
  await served?.stop();
  await db?.stop();
  sb?.cleanup();
});

describe("the Python client against secrets serve", () => {
  it("python3 -m unittest: every test passes, none skipped", () => {
    expect(run.status, run.stderr).toBe(0);
    const ran = /^Ran (\d+) tests? in /m.exec(run.stderr);
    expect(Number(ran?.[1])).toBeGreaterThanOrEqual(30);
    expect(run.stderr).toMatch(/^OK$/m);
    expect(run.stderr).not.toMatch(/skipped|expected failure/);
    // The seed's snippets, the denied path and get_many's request count are among them.
    for (const name of ["test_seed_client_snippet_verbatim_aws_from_a_stand_in_contract", "test_seed_get_secret_snippet_verbatim", "test_a_denied_path", "test_get_many_sends_one_request_per_secret_not_per_path", "test_get_dynamic_database_credentials_and_revoke"]) {
      expect(run.stderr).toMatch(new RegExp(`^${name} \\(.*\\) \\.\\.\\. ok$`, "m"));
    }
  });

  it("no value, password or token in Python's output", () => {
    const out = run.stdout + run.stderr;
    for (const s of [...VALUES, ...MORE_VALUES, "new-password", served.rootToken!, tokens.reader, tokens.writer, db.adminPassword]) expect(out).not.toContain(s);
  });

  it("get_dynamic minted real PostgreSQL users: the revoked one is gone, the kept one logs in", async () => {
    expect(existsSync(reportFile)).toBe(true);
    const report = JSON.parse(readFileSync(reportFile, "utf8")) as { revoked: string; kept: { username: string; password: string } };
    expect((await db.admin("SELECT 1 FROM pg_roles WHERE rolname = $1", [report.revoked])).rowCount).toBe(0);
    expect(await loginWorks(db, report.kept.username, report.kept.password)).toBe(true);
  });

  it("what Python set is what the TypeScript SDK reads (value and metadata), and the committed file stays encrypted", async () => {
    const ts = new TsClient({ url: served.url, token: served.rootToken! });
    try {
      expect(await ts.get("database/postgres/password")).toBe("new-password");
      expect(await ts.getMetadata("database/postgres/password")).toEqual({ rotated_at: "2025-11-18" });
      expect(await ts.getMetadata("py/new/secret")).toEqual({ owner: "py", n: 1, ok: true, none: null });
    } finally {
      ts.close();
    }
    const committed = sb.git("show", "HEAD:secrets/database/postgres.yaml");
    expect(committed).toContain("ENC[AES256_GCM,");
    expect(committed).not.toContain("new-password");
  });

  it("the Python exceptions' kinds are the TypeScript SDK's", () => {
    const script = [
      "import json, secrets_client as s",
      "print(json.dumps({",
      "  'SecretNotFound': s.SecretNotFound('p', 'm').kind,",
      "  'PermissionDenied': s.PermissionDenied('m').kind,",
      "  'ServerUnavailable': s.ServerUnavailable('m').kind,",
      "  'SecretPathError': s.SecretPathError('m').kind,",
      "  'IntegrityError': s.IntegrityError('m').kind,",
      "  'SecretTypeError': s.SecretTypeError('p', 'string', 'number').kind,",
      "}))",
    ].join("\n");
    const r = spawnSync(pythonExecutable(), ["-c", script], { cwd: PYTHON_DIR, encoding: "utf8", env: { PATH: process.env.PATH, PYTHONDONTWRITEBYTECODE: "1" } });
    expect(r.stderr).toBe("");
    expect(JSON.parse(r.stdout)).toEqual({
      SecretNotFound: new SecretNotFound("p", "m").kind,
      PermissionDenied: new PermissionDenied("m").kind,
      ServerUnavailable: new ServerUnavailable("m").kind,
      SecretPathError: new SecretPathError("m").kind,
      IntegrityError: new IntegrityError("metadata", "m").kind,
      SecretTypeError: new SecretTypeError("p", "string", "number").kind,
    });
  });
});
