import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";
import { loginWorks, startPostgres, waitFor, writeDatabaseEngine, type TestPostgres } from "../helpers/postgres.js";
import { raw, startServe, type Served } from "./serve-helpers.js";

/**
 * Vault's static roles on the built `secrets serve`'s `database` mount, against a real PostgreSQL:
 * node-vault's generic `write`/`read` create a static role and read its credentials (which log
 * in), `rotate-role` changes the password (the old one fails, the new one works), an unknown role
 * gives Vault's errors, a token without the policy gets 403, the role and its rotations are
 * commits, and no password is in the audit log, a commit or the server's output.
 */

const require = createRequire(import.meta.url);
type NodeVault = Record<string, (path: string, data?: Record<string, unknown>) => Promise<Record<string, unknown>>>;

const INITIAL = "Initial-static-password-9876";
let db: TestPostgres;
const sb = new Sandbox();
let served: Served;
let root: string;
let auditFile: string;
const seen: string[] = [];

function vault(token = root): NodeVault {
  return require("node-vault")({ endpoint: served.url, token }) as NodeVault;
}

async function req(method: string, path: string, body?: unknown, token = root): Promise<{ status: number; body: string }> {
  const r = await raw(method, `${served.url}/v1/${path}`, { "x-vault-token": token, "content-type": "application/json" }, body === undefined ? undefined : JSON.stringify(body));
  return { status: r.status, body: r.body };
}

interface StaticCreds {
  data: { username: string; password: string; last_vault_rotation: string; rotation_period: number; ttl: number };
  lease_id: string;
  lease_duration: number;
  renewable: boolean;
}

beforeAll(async () => {
  db = await startPostgres();
  await writeDatabaseEngine(sb, db, { mount: true });
  const sops = readFileSync(sb.path(".sops.yaml"), "utf8");
  const recipient = /age: (age1\S+)|&me (age1\S+)/.exec(sops)!.slice(1).find(Boolean)!;
  writeFileSync(sb.path(".sops.yaml"), sops + `  - path_regex: ^\\.secrets/engines/[^/]+/static-creds/\n    age: ${recipient}\n`);
  await db.admin(`CREATE ROLE app_static LOGIN PASSWORD '${INITIAL}'`);
  mkdirSync(sb.path(".secrets/policies"), { recursive: true });
  writeFileSync(sb.path(".secrets/policies/static.hcl"), 'path "database/static-creds/app" {\n  capabilities = ["read"]\n}\npath "database/rotate-role/app" {\n  capabilities = ["update"]\n}\n');
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "database engine");
  auditFile = join(sb.dir, "audit.log");
  served = await startServe(sb, ["--audit-file", auditFile]);
  root = served.rootToken!;
}, 120_000);

afterAll(async () => {
  await served?.stop();
  await db?.stop();
  sb.cleanup();
});

describe("database/static-roles, static-creds, rotate-role", () => {
  it("node-vault writes a static role (a commit; the password rotated at once) and reads creds that log in", async () => {
    await vault().write!("database/static-roles/app", { db_name: "main", username: "app_static", rotation_period: "1h" });
    expect(readFileSync(sb.path(".secrets/engines/database/static-roles/app.yaml"), "utf8")).toMatch(/username: app_static/);
    expect(sb.git("status", "--porcelain", "--", ".secrets")).toBe("");
    expect(await loginWorks(db, "app_static", INITIAL)).toBe(false);
    const r = (await vault().read!("database/static-creds/app")) as unknown as StaticCreds;
    seen.push(r.data.password);
    expect(Object.keys(r.data).sort()).toEqual(["last_vault_rotation", "password", "rotation_period", "ttl", "username"]);
    expect(r).toMatchObject({ lease_id: "", lease_duration: 0, renewable: false });
    expect(r.data.username).toBe("app_static");
    expect(r.data.rotation_period).toBe(3600);
    expect(r.data.ttl).toBeGreaterThan(3500);
    expect(r.data.ttl).toBeLessThanOrEqual(3600);
    expect(Math.abs(Date.parse(r.data.last_vault_rotation) - Date.now())).toBeLessThan(120_000);
    expect(r.data.last_vault_rotation).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(await loginWorks(db, "app_static", r.data.password)).toBe(true);
    // The password is kept encrypted in the repository, committed.
    const creds = readFileSync(sb.path(".secrets/engines/database/static-creds/app.yaml"), "utf8");
    expect(creds).toContain("ENC[");
    expect(creds).not.toContain(r.data.password);
    const role = (await vault().read!("database/static-roles/app")) as unknown as { data: Record<string, unknown> };
    expect(role.data).toMatchObject({ db_name: "main", username: "app_static", rotation_period: 3600, credential_type: "password", rotation_statements: [] });
    expect(role.data.last_vault_rotation).toBe(r.data.last_vault_rotation);
    const listed = JSON.parse((await req("LIST", "database/static-roles")).body) as { data: { keys: string[] } };
    expect(listed.data.keys).toEqual(["app"]);
  });

  it("rotate-role: 204; the old password no longer logs in, the new one does; each rotation a commit naming no value", async () => {
    const before = (await vault().read!("database/static-creds/app")) as unknown as StaticCreds;
    const commits = Number(sb.git("rev-list", "--count", "HEAD").trim());
    expect(await req("POST", "database/rotate-role/app", {})).toEqual({ status: 204, body: "" });
    const after = (await vault().read!("database/static-creds/app")) as unknown as StaticCreds;
    seen.push(after.data.password);
    expect(after.data.password).not.toBe(before.data.password);
    expect(await loginWorks(db, "app_static", before.data.password)).toBe(false);
    expect(await loginWorks(db, "app_static", after.data.password)).toBe(true);
    expect(Number(sb.git("rev-list", "--count", "HEAD").trim())).toBe(commits + 1);
    // node-vault's generic write (PUT) rotates too.
    await vault().write!("database/rotate-role/app", {});
    const third = (await vault().read!("database/static-creds/app")) as unknown as StaticCreds;
    seen.push(third.data.password);
    expect(await loginWorks(db, "app_static", after.data.password)).toBe(false);
    expect(await loginWorks(db, "app_static", third.data.password)).toBe(true);
    const log = sb.git("log", "-p", "--format=%s%n%b");
    for (const p of seen) expect(log).not.toContain(p);
  });

  it("rotation_statements: the role's own statements change the password", async () => {
    await db.admin(`CREATE ROLE app_stmts LOGIN PASSWORD '${INITIAL}'`);
    const statements = [`ALTER ROLE "{{name}}" WITH PASSWORD '{{password}}' CONNECTION LIMIT 7;`];
    await vault().write!("database/static-roles/stmts", { db_name: "main", username: "app_stmts", rotation_period: 600, rotation_statements: statements });
    const r = (await vault().read!("database/static-creds/stmts")) as unknown as StaticCreds;
    seen.push(r.data.password);
    expect(await loginWorks(db, "app_stmts", r.data.password)).toBe(true);
    expect(await loginWorks(db, "app_stmts", INITIAL)).toBe(false);
    expect((await db.admin<{ n: number }>("SELECT rolconnlimit AS n FROM pg_roles WHERE rolname = 'app_stmts'")).rows[0]!.n).toBe(7);
    const role = (await vault().read!("database/static-roles/stmts")) as unknown as { data: Record<string, unknown> };
    expect(role.data.rotation_statements).toEqual(statements);
    expect(await req("DELETE", "database/static-roles/stmts")).toEqual({ status: 204, body: "" });
  });

  it("an unknown role: Vault's errors", async () => {
    expect(await req("GET", "database/static-creds/nope")).toEqual({ status: 400, body: '{"errors":["unknown role: nope"]}\n' });
    expect(await req("POST", "database/rotate-role/nope", {})).toEqual({ status: 400, body: '{"errors":["no static role found for role name"]}\n' });
    expect(await req("GET", "database/static-roles/nope")).toEqual({ status: 404, body: '{"errors":[]}\n' });
    expect(await req("POST", "database/static-roles/bad", { db_name: "main", rotation_period: 60 })).toEqual({ status: 400, body: '{"errors":["username is a required field to create a static account"]}\n' });
    expect(await req("POST", "database/static-roles/bad", { db_name: "main", username: "app_static", rotation_period: 2 })).toEqual({ status: 400, body: '{"errors":["rotation_period must be 5 seconds or more"]}\n' });
  });

  it("under the ACL: the static policy reads and rotates; a token without it gets 403", async () => {
    const created = JSON.parse((await req("POST", "auth/token/create", { policies: ["static"] })).body) as { auth: { client_token: string } };
    const token = created.auth.client_token;
    const r = (await vault(token).read!("database/static-creds/app")) as unknown as StaticCreds;
    expect(r.data.username).toBe("app_static");
    expect((await req("POST", "database/rotate-role/app", {}, token)).status).toBe(204);
    expect((await req("POST", "database/static-roles/app", { rotation_period: 60 }, token)).status).toBe(403);
    const plain = JSON.parse((await req("POST", "auth/token/create", { policies: ["default"] })).body) as { auth: { client_token: string } };
    expect((await req("GET", "database/static-creds/app", undefined, plain.auth.client_token)).status).toBe(403);
    expect((await req("POST", "database/rotate-role/app", {}, plain.auth.client_token)).status).toBe(403);
    seen.push(((await vault().read!("database/static-creds/app")) as unknown as StaticCreds).data.password);
  });

  it("no password in the audit log (the response's is HMAC'd) nor in the server's output", async () => {
    const r = (await vault().read!("database/static-creds/app")) as unknown as StaticCreds & { request_id: string };
    seen.push(r.data.password);
    const lines = () => readFileSync(auditFile, "utf8");
    expect(await waitFor(() => Promise.resolve(lines().split(r.request_id).length > 2), 5000)).toBe(true);
    const log = lines();
    for (const p of [...seen, INITIAL, db.adminPassword]) {
      expect(log).not.toContain(p);
      expect(served.stderr()).not.toContain(p);
    }
    const response = log
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; request: { id: string }; response?: { data?: Record<string, string> } })
      .find((l) => l.type === "response" && l.request.id === r.request_id)!;
    expect(response.response!.data!.password).toMatch(/^hmac-sha256:/);
  });

  it("delete: 204, the role and its credentials file removed in a commit", async () => {
    expect(await req("DELETE", "database/static-roles/app")).toEqual({ status: 204, body: "" });
    expect(await req("GET", "database/static-roles/app")).toEqual({ status: 404, body: '{"errors":[]}\n' });
    expect(sb.git("ls-files", ".secrets/engines/database/static-roles", ".secrets/engines/database/static-creds").trim()).toBe("");
    expect((await req("LIST", "database/static-roles")).status).toBe(404);
  });
});
