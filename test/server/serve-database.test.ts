import { mkdirSync, readFileSync, writeFileSync } from "node:fs";
import { createRequire } from "node:module";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";
import { startPostgres, waitFor, type TestPostgres, DATABASE_CONFIG, writeDatabaseEngine, loginWorks } from "../helpers/postgres.js";
import { raw, startServe, type Served } from "./serve-helpers.js";

/**
 * The `database` mount and `sys/leases/*` of the built `secrets serve`, against a real PostgreSQL
 * (one per file): node-vault's `generateDatabaseCredentials`, `renew`, `revoke` and
 * `revokePrefix`, raw requests for the exact bodies, minted credentials logging in with pg, and
 * the audit log holding neither the minted password nor the admin password.
 */

const require = createRequire(import.meta.url);
type NodeVault = Record<string, (args?: Record<string, unknown>) => Promise<Record<string, unknown>>>;

let db: TestPostgres;
const sb = new Sandbox();
let served: Served;
let root: string;
let auditFile: string;
const CONFIG = DATABASE_CONFIG;

interface Creds {
  request_id: string;
  lease_id: string;
  renewable: boolean;
  lease_duration: number;
  data: { username: string; password: string };
  warnings: string[] | null;
  mount_type: string;
}

function vault(token = root): NodeVault {
  return require("node-vault")({ endpoint: served.url, token }) as NodeVault;
}

async function req(method: string, path: string, body?: unknown, token = root): Promise<{ status: number; body: string }> {
  const r = await raw(method, `${served.url}/v1/${path}`, { "x-vault-token": token, "content-type": "application/json" }, body === undefined ? undefined : JSON.stringify(body));
  return { status: r.status, body: r.body };
}

async function pgRole(name: string): Promise<boolean> {
  return (await db.admin("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).rowCount === 1;
}

beforeAll(async () => {
  db = await startPostgres();
  await writeDatabaseEngine(sb, db, { mount: true });
  mkdirSync(sb.path(".secrets/policies"), { recursive: true });
  writeFileSync(sb.path(".secrets/policies/app.hcl"), 'path "database/creds/app" {\n  capabilities = ["read"]\n}\npath "sys/leases/*" {\n  capabilities = ["update"]\n}\npath "sys/revoke-prefix/*" {\n  capabilities = ["update"]\n}\n');
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

describe("database/creds/:role", () => {
  it("node-vault's generateDatabaseCredentials: Vault's envelope, a login that works, a record in the state directory", async () => {
    const r = (await vault().generateDatabaseCredentials!({ databasePath: "database", name: "app" })) as unknown as Creds;
    expect(Object.keys(r)).toEqual(["request_id", "lease_id", "renewable", "lease_duration", "data", "wrap_info", "warnings", "auth", "mount_type"]);
    expect(r).toMatchObject({ renewable: true, lease_duration: 3600, warnings: null, mount_type: "database" });
    expect(Object.keys(r.data)).toEqual(["password", "username"]);
    expect(r.data.username).toMatch(/^v-root-app-[A-Za-z0-9]{20}-\d{10}$/);
    expect(r.lease_id).toBe(`database/creds/app/${r.data.username}`);
    expect(await loginWorks(db, r.data.username, r.data.password)).toBe(true);
    // The CLI in the same checkout sees the server's record (the state directory is shared).
    const listed = await sb.ok(["lease", "list"]);
    expect(listed).toContain(r.lease_id);
  });

  it("an unknown role is Vault's 400; another path 404 unsupported path; a write 405", async () => {
    const unknown = await req("GET", "database/creds/nope");
    expect(unknown.status).toBe(400);
    expect(await req("GET", "database/roles/app")).toMatchObject({ status: 404, body: '{"errors":["1 error occurred:\\n\\t* unsupported path\\n\\n"]}\n' });
    expect((await req("DELETE", "database/creds/app")).status).toBe(405);
  });

  it("under the ACL: a token with the app policy mints, one without is denied; revoke-prefix needs sudo", async () => {
    const created = JSON.parse((await req("POST", "auth/token/create", { policies: ["app"], display_name: "ci" })).body) as { auth: { client_token: string } };
    const token = created.auth.client_token;
    const r = (await vault(token).generateDatabaseCredentials!({ databasePath: "database", name: "app" })) as unknown as Creds;
    expect(r.data.username).toMatch(/^v-token-ci-app-/);
    const plain = JSON.parse((await req("POST", "auth/token/create", { policies: ["default"] })).body) as { auth: { client_token: string } };
    expect((await req("GET", "database/creds/app", undefined, plain.auth.client_token)).status).toBe(403);
    expect((await req("PUT", "sys/leases/revoke-prefix/database/creds/app", {}, token)).status).toBe(403);
    expect((await req("PUT", "sys/leases/revoke-force/database/creds/app", {}, token)).status).toBe(403);
    // Not a root path: the app policy's update is enough.
    expect((await req("PUT", "sys/leases/revoke", { lease_id: r.lease_id }, token)).status).toBe(204);
    expect(await pgRole(r.data.username)).toBe(false);
  });
});

describe("sys/mounts", () => {
  it("enables a database mount through the API (one commit), listed with its type; it reads .secrets/engines/<point>/", async () => {
    expect((await req("POST", "sys/mounts/db2", { type: "database" })).status).toBe(204);
    expect(readFileSync(sb.path(".secrets/mounts.yaml"), "utf8")).toMatch(/db2\/:\s*\n?\s*type: database/);
    const listed = JSON.parse((await req("GET", "sys/mounts")).body) as Record<string, { type: string }>;
    expect(listed["db2/"]?.type).toBe("database");
    expect(listed["database/"]?.type).toBe("database");
    // No files under .secrets/engines/db2/: the role is unknown there.
    expect((await req("GET", "db2/creds/app")).status).toBe(400);
  });
});

describe("sys/leases/*", () => {
  it("lookup: Vault's data, times as Go writes them; lease_id required; an unknown lease is invalid", async () => {
    const c = JSON.parse((await req("GET", "database/creds/app")).body) as Creds;
    const r = await req("PUT", "sys/leases/lookup", { lease_id: c.lease_id });
    expect(r.status).toBe(200);
    const data = (JSON.parse(r.body) as { data: Record<string, unknown> }).data;
    expect(Object.keys(data)).toEqual(["expire_time", "id", "issue_time", "last_renewal", "path", "renewable", "ttl"]);
    expect(data).toMatchObject({ id: c.lease_id, path: "database/creds/app", last_renewal: null, renewable: true });
    expect(data.issue_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect(data.ttl).toBeGreaterThan(3500);
    expect(await req("POST", "sys/leases/lookup", {})).toEqual({ status: 400, body: '{"errors":["lease_id must be specified"]}\n' });
    expect(await req("PUT", "sys/leases/lookup", { lease_id: "database/creds/app/v-nobody-app-x-1" })).toEqual({ status: 400, body: '{"errors":["invalid lease"]}\n' });
    expect(await req("PUT", "sys/leases/lookup", { lease_id: "nonsense" })).toEqual({ status: 400, body: '{"errors":["invalid lease"]}\n' });
  });

  it("renew (node-vault, and increment null as hvac sends it) extends VALID UNTIL, capped at max_ttl with Vault's warning", async () => {
    const c = JSON.parse((await req("GET", "database/creds/app")).body) as Creds;
    const validUntil = async (): Promise<number> => new Date((await db.admin<{ v: Date }>("SELECT rolvaliduntil AS v FROM pg_roles WHERE rolname = $1", [c.data.username])).rows[0]!.v).getTime();
    const before = await validUntil();
    const renewed = await vault().renew!({ lease_id: c.lease_id, increment: 5400 });
    expect(renewed).toMatchObject({ lease_id: c.lease_id, renewable: true, lease_duration: 5400, data: null, mount_type: "system" });
    expect(await validUntil()).toBeGreaterThan(before);
    const nul = await req("PUT", "sys/leases/renew", { lease_id: c.lease_id, increment: null });
    expect(nul.status).toBe(200);
    expect(JSON.parse(nul.body)).toMatchObject({ lease_duration: 3600 });
    const capped = JSON.parse((await req("PUT", "sys/leases/renew", { lease_id: c.lease_id, increment: "3h" })).body) as { lease_duration: number; warnings: string[] };
    expect(capped.lease_duration).toBeLessThanOrEqual(7200);
    expect(capped.warnings.join(" ")).toMatch(/capped/);
    const lookedUp = JSON.parse((await req("PUT", "sys/leases/lookup", { lease_id: c.lease_id })).body) as { data: { last_renewal: string | null } };
    expect(lookedUp.data.last_renewal).not.toBeNull();
    expect(await req("PUT", "sys/leases/renew", {})).toEqual({ status: 400, body: '{"errors":["lease_id must be specified"]}\n' });
    expect((await req("PUT", "sys/leases/renew", { lease_id: "database/creds/app/v-nobody-app-x-1" })).body).toBe('{"errors":["lease not found"]}\n');
  });

  it("revoke (node-vault): 204, the role dropped, the login refused; again: still 204; sync false: 202", async () => {
    const c = JSON.parse((await req("GET", "database/creds/app")).body) as Creds;
    const open = await db.connect(c.data.username, c.data.password);
    open.on("error", () => undefined);
    const r = await req("PUT", "sys/leases/revoke", { lease_id: c.lease_id });
    expect(r).toEqual({ status: 204, body: "" });
    expect(await pgRole(c.data.username)).toBe(false);
    expect(await loginWorks(db, c.data.username, c.data.password)).toBe(false);
    expect(await waitFor(async () => (await open.query("SELECT 1").then(() => true, () => false)) === false, 5000)).toBe(true);
    await open.end().catch(() => undefined);
    expect((await req("PUT", "sys/leases/revoke", { lease_id: c.lease_id })).status).toBe(204);
    const d = JSON.parse((await req("GET", "database/creds/app")).body) as Creds;
    await vault().revoke!({ lease_id: d.lease_id });
    expect(await pgRole(d.data.username)).toBe(false);
    const e = JSON.parse((await req("GET", "database/creds/app")).body) as Creds;
    expect(await req("POST", `sys/leases/revoke/${e.lease_id}`, { sync: false })).toEqual({ status: 202, body: "" });
    expect(await pgRole(e.data.username)).toBe(false);
    expect(await req("PUT", "sys/leases/revoke", {})).toEqual({ status: 400, body: '{"errors":["lease_id must be specified"]}\n' });
  });

  it("revoke-prefix (node-vault's legacy sys/revoke-prefix) and revoke-force drop every lease under the prefix", async () => {
    const a = JSON.parse((await req("GET", "database/creds/app")).body) as Creds;
    const b = JSON.parse((await req("GET", "database/creds/app")).body) as Creds;
    await vault().revokePrefix!({ path_prefix: "database/creds/app" });
    expect(await pgRole(a.data.username)).toBe(false);
    expect(await pgRole(b.data.username)).toBe(false);
    const c = JSON.parse((await req("GET", "database/creds/app")).body) as Creds;
    expect(await req("PUT", "sys/leases/revoke-force/database/creds/", {})).toEqual({ status: 204, body: "" });
    expect(await pgRole(c.data.username)).toBe(false);
    expect((await req("PUT", "sys/leases/lookup", { lease_id: c.lease_id })).status).toBe(400);
  });

  it("the audit log holds no password (minted or admin); the response's password is HMAC'd", async () => {
    const c = JSON.parse((await req("GET", "database/creds/app")).body) as Creds;
    const lines = () => readFileSync(auditFile, "utf8");
    expect(await waitFor(() => Promise.resolve(lines().includes(c.request_id) && lines().split(c.request_id).length > 2), 5000)).toBe(true);
    const log = lines();
    expect(log).not.toContain(c.data.password);
    expect(log).not.toContain(db.adminPassword);
    const response = log
      .split("\n")
      .filter(Boolean)
      .map((l) => JSON.parse(l) as { type: string; request: { id: string }; response?: { data?: Record<string, string> } })
      .find((l) => l.type === "response" && l.request.id === c.request_id)!;
    expect(response.response!.data!.password).toMatch(/^hmac-sha256:/);
    expect(served.stderr()).not.toContain(db.adminPassword);
    await req("PUT", "sys/leases/revoke", { lease_id: c.lease_id });
  });
});

describe("shutdown", () => {
  it("SIGTERM with the engines' pools open: exits 0, no admin session left behind", async () => {
    expect(await served.stop()).toBe(0);
    const left = await db.admin("SELECT count(*)::int AS n FROM pg_stat_activity WHERE usename = 'postgres' AND pid <> pg_backend_pid() AND backend_type = 'client backend'");
    expect(left.rows[0]!.n).toBe(0);
  });
});
