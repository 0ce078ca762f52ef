import { mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox, type RunResult } from "../helpers/cli.js";
import { freePort, startPostgres, waitFor, type TestPostgres, DATABASE_CONFIG, writeDatabaseEngine, loginWorks } from "../helpers/postgres.js";

/**
 * `secrets creds` and `secrets lease …` end to end: the built CLI in a git repository whose
 * `.secrets/engines/database/` configures a real PostgreSQL server (the connection encrypted with
 * `secrets encrypt`, as a user would), with the admin password grepped for in every output.
 */

let db: TestPostgres;
const sb = new Sandbox();
/** Every output of every run in this file, for the final check. */
const outputs: string[] = [];
const CONFIG = DATABASE_CONFIG;

async function run(args: string[]): Promise<RunResult> {
  const r = await sb.run(args);
  outputs.push(r.stdout, r.stderr);
  return r;
}

async function ok(args: string[]): Promise<RunResult> {
  const r = await run(args);
  if (r.code !== 0) throw new Error(`secrets ${args.join(" ")} exited ${r.code}: ${r.stderr}`);
  return r;
}

async function creds(...extra: string[]): Promise<{ lease_id: string; lease_duration: number; data: { username: string; password: string }; warnings: string[] | null }> {
  return JSON.parse((await ok(["creds", "database/creds/app", ...extra])).stdout) as never;
}

function url(port: number): string {
  return `postgresql://{{username}}:{{password}}@127.0.0.1:${port}/postgres?sslmode=disable`;
}

beforeAll(async () => {
  db = await startPostgres();
  await writeDatabaseEngine(sb, db);
});

afterAll(async () => {
  await db?.stop();
  sb.cleanup();
});

describe("secrets creds", () => {
  it("the layout passes `secrets verify` and the pre-commit check: the connection encrypted, the roles plaintext", async () => {
    expect((await run(["verify"])).code).toBe(0);
    expect((await run(["check", "--staged"])).code).toBe(0);
  });

  it("prints Vault's response on stdout (values there only) and records the lease in .git/secrets-server", async () => {
    const r = await ok(["creds", "database/creds/app", "--display-name", "ci"]);
    const body = JSON.parse(r.stdout) as { lease_id: string; lease_duration: number; renewable: boolean; data: { username: string; password: string }; warnings: null };
    expect(Object.keys(body)).toEqual(["lease_id", "lease_duration", "renewable", "data", "warnings"]);
    expect(body).toMatchObject({ lease_duration: 3600, renewable: true, warnings: null });
    expect(body.data.username).toMatch(/^v-ci-app-[A-Za-z0-9]{20}-\d{10}$/);
    expect(body.lease_id).toBe(`database/creds/app/${body.data.username}`);
    expect(r.stderr).toContain(`lease ${body.lease_id}, for 1h, renewable`);
    expect(r.stderr).not.toContain(body.data.password);
    expect(await loginWorks(db, body.data.username, body.data.password)).toBe(true);

    const leases = sb.path(".git", "secrets-server", "leases");
    const records = readdirSync(leases, { recursive: true, encoding: "utf8" }).filter((f) => f.endsWith(".json"));
    expect(records).toHaveLength(1);
    const record = readFileSync(join(leases, records[0]!), "utf8");
    expect(record).toContain(body.lease_id);
    expect(record).not.toContain(body.data.password);
    expect(sb.git("status", "--porcelain", "--untracked-files=all").split("\n").filter((l) => l.includes("secrets-server"))).toEqual([]);
    const list = JSON.parse((await ok(["lease", "list", "--format", "json"])).stdout) as Array<{ id: string }>;
    expect(list.map((l) => l.id)).toContain(body.lease_id);
    await ok(["lease", "revoke", body.lease_id]);
  });

  it("prints env and shell lines with --prefix, and caps --ttl with Vault's warning on stderr", async () => {
    const env = await ok(["creds", "database/app", "--format", "env", "--prefix", "DB", "--ttl", "3h"]);
    const lines = env.stdout.trim().split("\n");
    expect(lines.map((l) => l.split("=")[0])).toEqual(["DB_LEASE_ID", "DB_PASSWORD", "DB_USERNAME"]);
    expect(env.stderr).toContain('secrets: warning: TTL of "3h" exceeded the effective max_ttl of "2h"; TTL value is capped accordingly');
    const leaseId = lines[0]!.slice("DB_LEASE_ID=".length);

    const shell = await ok(["creds", "database/app", "--format", "shell"]);
    expect(shell.stdout).toMatch(/^export LEASE_ID='database\/creds\/app\/v-[^']+'\nexport PASSWORD='[A-Za-z0-9-]{20}'\nexport USERNAME='v-[^']+'\n$/);
    const shellLease = /LEASE_ID='([^']+)'/.exec(shell.stdout)![1]!;
    for (const id of [leaseId, shellLease]) await ok(["lease", "revoke", id]);
  });

  it("refuses bad paths, roles and durations with usage errors, printing nothing on stdout", async () => {
    for (const args of [["creds", `database/creds/x";DROP ROLE postgres;--`], ["creds", "database/creds/nope"], ["creds", "database/app", "--ttl", "soon"], ["creds", "database/app", "--format", "xml"]]) {
      const r = await run(args);
      expect([r.code, r.stdout], args.join(" ")).toEqual([1, ""]);
    }
    expect((await run(["creds", "database/creds/nope"])).stderr).toContain("unknown role: nope");
  });
});

describe("secrets lease", () => {
  it("looks up, renews (capped, with the warning) and revokes: the login then fails and pg_roles has no row", async () => {
    const lease = await creds();
    const lookup = JSON.parse((await ok(["lease", "lookup", lease.lease_id, "--format", "json"])).stdout) as Record<string, unknown>;
    expect(Object.keys(lookup)).toEqual(["id", "path", "issue_time", "expire_time", "last_renewal", "renewable", "ttl"]);
    expect(lookup).toMatchObject({ id: lease.lease_id, path: "database/creds/app", last_renewal: null, renewable: true });
    expect(lookup.issue_time).toMatch(/^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\dZ$/);
    expect((await ok(["lease", "lookup", lease.lease_id])).stdout).toMatch(/^Key\s+Value\nid\s+database\/creds\/app\//);

    const renewed = await ok(["lease", "renew", lease.lease_id, "--increment", "5h", "--format", "json"]);
    const body = JSON.parse(renewed.stdout) as { lease_duration: number; warnings: string[] };
    expect(body.lease_duration).toBeGreaterThan(7190);
    expect(body.lease_duration).toBeLessThanOrEqual(7200);
    expect(body.warnings[0]).toMatch(/^TTL of "5h" exceeded the effective max_ttl of "1h59m\d\ds|2h"; TTL value is capped accordingly$/);
    expect(renewed.stderr).toContain("secrets: warning: TTL of \"5h\"");

    const open = await db.connect(lease.data.username, lease.data.password);
    await ok(["lease", "revoke", lease.lease_id]);
    await expect(open.query("SELECT 1")).rejects.toThrow();
    await open.end().catch(() => undefined);
    expect(await loginWorks(db, lease.data.username, lease.data.password)).toBe(false);
    expect((await db.admin("SELECT 1 FROM pg_roles WHERE rolname = $1", [lease.data.username])).rowCount).toBe(0);
    // Idempotent, and with no record left the lookup says Vault's `invalid lease`.
    await ok(["lease", "revoke", lease.lease_id]);
    const gone = await run(["lease", "lookup", lease.lease_id]);
    expect([gone.code, gone.stderr.trim()]).toEqual([1, "secrets: invalid lease"]);
  });

  it("tidy drops an expired role whose record was deleted", async () => {
    const lease = await creds("--ttl", "1");
    rmSync(sb.path(".git", "secrets-server"), { recursive: true, force: true });
    expect(await waitFor(async () => (await db.admin("SELECT 1 FROM pg_roles WHERE rolname = $1 AND rolvaliduntil < now()", [lease.data.username])).rowCount === 1, 5000)).toBe(true);
    const tidy = await ok(["lease", "tidy"]);
    expect(tidy.stdout).toContain(`${lease.lease_id}  reaped`);
    expect((await db.admin("SELECT 1 FROM pg_roles WHERE rolname = $1", [lease.data.username])).rowCount).toBe(0);
  });

  it("an unreachable database: revoke retries, exits 69 and marks the lease irrevocable; --force drops it", async () => {
    const lease = await creds();
    const dead = await freePort();
    await ok(["set", CONFIG, '["connection_url"]', JSON.stringify(url(dead))]);
    const failed = await run(["lease", "revoke", lease.lease_id]);
    expect(failed.code).toBe(69);
    expect(failed.stderr).toContain("could not be revoked (4 attempts)");
    expect(failed.stderr).toContain("marked irrevocable");
    const list = await ok(["lease", "list"]);
    expect(list.stdout).toMatch(new RegExp(`${lease.lease_id.replace(/[.]/g, "\\.")}\\s+\\S+\\s+\\S+\\s+no\\s+irrevocable`));
    expect(list.stderr).toContain("is irrevocable: out of retries: database main: revoking the login role: could not reach the database: connect ECONNREFUSED");
    const renew = await run(["lease", "renew", lease.lease_id]);
    expect([renew.code, renew.stderr.trim()]).toEqual([1, "secrets: lease is expired and has failed previous revocation attempts"]);
    const tidy = await run(["lease", "tidy"]);
    expect(tidy.code).toBe(69);

    const forced = await ok(["lease", "revoke", "--force", lease.lease_id]);
    expect(forced.stderr).toContain("its record was dropped, but the credential could not be revoked");
    expect(JSON.parse((await ok(["lease", "list", "--format", "json"])).stdout)).toEqual([]);

    await ok(["set", CONFIG, '["connection_url"]', JSON.stringify(url(db.port))]);
    await ok(["lease", "revoke", lease.lease_id]);
    expect(await loginWorks(db, lease.data.username, lease.data.password)).toBe(false);
  });
});

describe("the admin password", () => {
  it("a wrong admin password or a broken URL fails without it", async () => {
    await ok(["set", CONFIG, '["password"]', JSON.stringify(`${db.adminPassword}x`)]);
    const login = await run(["creds", "database/app"]);
    expect(login.code).toBe(70);
    expect(login.stderr).toContain('password authentication failed for user "postgres"');
    await ok(["set", CONFIG, '["password"]', JSON.stringify(db.adminPassword)]);
    await ok(["set", CONFIG, '["connection_url"]', JSON.stringify(`postgresql://postgres:${db.adminPassword}@127.0.0.1:${db.port}/postgres?sslmode=disable&pass=${db.adminPassword}`)]);
    const broken = await run(["creds", "database/app"]);
    expect([broken.code, broken.stdout]).toEqual([1, ""]);
    expect(broken.stderr).toContain('connection_url: parameter "pass" is not supported');
    await ok(["set", CONFIG, '["connection_url"]', JSON.stringify(url(db.port))]);
  });

  it("appears in no output of any command run in this file", () => {
    expect(outputs.length).toBeGreaterThan(30);
    for (const o of outputs) expect(o).not.toContain(db.adminPassword);
    // and is not in clear in the repository
    expect(readFileSync(sb.path(CONFIG), "utf8")).not.toContain(db.adminPassword);
  });
});
