import { mkdtempSync, rmSync } from "node:fs";
import { tmpdir } from "node:os";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { engineTable } from "../../src/engines/engine.js";
import { RepositoryDatabaseConfig } from "../../src/engines/postgres/config-files.js";
import { DatabaseEngine } from "../../src/engines/postgres/engine.js";
import { PgAdmin } from "../../src/engines/postgres/admin.js";
import { resolveConnection } from "../../src/engines/postgres/connection-url.js";
import { changeLoginPassword } from "../../src/engines/postgres/login-roles.js";
import { fillStatement } from "../../src/engines/postgres/statements.js";
import { SecretsError } from "../../src/errors.js";
import { DirectoryLeaseStore } from "../../src/leases/directory-store.js";
import { LeaseManager } from "../../src/leases/manager.js";
import { Workspace } from "../../src/workspace/workspace.js";
import { connectionData, freePort, makeEngineRepo, startPostgres, waitFor, type EngineRepo, type TestPostgres } from "../helpers/postgres.js";

/**
 * The PostgreSQL engine and the lease manager against a real PostgreSQL server (one per file):
 * credentials log in, revocation ends sessions and drops the role, VALID UNTIL ends logins at the
 * TTL, renewal stops at max_ttl with Vault's texts, the reaper drops roles whose records are gone,
 * names cannot inject SQL, and an unreachable database makes a lease irrevocable.
 */

let db: TestPostgres;
let repo: EngineRepo;
let stateDir: string;
let engine: DatabaseEngine;
let leases: LeaseManager;
const sleeps: number[] = [];

function now(): number {
  return Math.floor(Date.now() / 1000);
}

async function loginFails(user: string, password: string): Promise<boolean> {
  try {
    const c = await db.connect(user, password);
    await c.end();
    return false;
  } catch (e) {
    return /password authentication failed|does not exist|not permitted to log in/.test(String(e));
  }
}

async function roleRow(name: string): Promise<{ rolvaliduntil: Date | null } | undefined> {
  return (await db.admin<{ rolvaliduntil: Date | null }>("SELECT rolvaliduntil FROM pg_roles WHERE rolname = $1", [name])).rows[0];
}

function thrown(p: Promise<unknown>): Promise<SecretsError> {
  return p.then(
    () => {
      throw new Error("expected a failure");
    },
    (e: unknown) => {
      expect(e).toBeInstanceOf(SecretsError);
      return e as SecretsError;
    },
  );
}

beforeAll(async () => {
  db = await startPostgres();
  await db.admin(`CREATE ROLE app_rw NOLOGIN`);
  await db.admin(`CREATE TABLE items (id int)`);
  await db.admin(`GRANT SELECT, INSERT ON items TO app_rw`);
  await db.admin(`GRANT CREATE ON SCHEMA public TO app_rw`);
  repo = await makeEngineRepo();
  await repo.connection("main", connectionData(db, { password_authentication: "scram-sha-256" }));
  repo.role("app", "db_name: main\ngroup_role: app_rw\ndefault_ttl: 1h\nmax_ttl: 24h\n");
  repo.role("short", "db_name: main\ngroup_role: app_rw\ndefault_ttl: 4\nmax_ttl: 10s\n");
  stateDir = mkdtempSync(join(tmpdir(), "secrets-leases-"));
  const ws = new Workspace({ startDir: repo.dir, env: { SOPS_AGE_KEY: repo.identity } });
  engine = new DatabaseEngine({ config: new RepositoryDatabaseConfig({ folder: repo.folder, workspace: ws }) });
  leases = new LeaseManager({
    engines: engineTable([engine]),
    store: new DirectoryLeaseStore(stateDir),
    retry: { attempts: 3, baseMs: 1 },
    sleep: (ms) => {
      sleeps.push(ms);
      return Promise.resolve();
    },
  });
});

afterAll(async () => {
  await leases?.close();
  await db?.stop();
  repo?.cleanup();
  if (stateDir) rmSync(stateDir, { recursive: true, force: true });
});

describe("issuing", () => {
  it("makes a login role valid until now + TTL, in the group role, with Vault's name and password shapes", async () => {
    const t = now();
    const lease = await leases.issue("database/creds/app", { displayName: "token-ci", now: t });
    const { username, password } = lease.data as { username: string; password: string };
    expect(username).toMatch(new RegExp(`^v-token-ci-app-[A-Za-z0-9]{20}-${t}$`));
    expect(username.length).toBeLessThanOrEqual(63);
    expect(password).toMatch(/^[A-Za-z0-9-]{20}$/);
    for (const re of [/[a-z]/, /[A-Z]/, /[0-9]/, /-/]) expect(password).toMatch(re);
    expect(lease).toMatchObject({ lease_id: `database/creds/app/${username}`, lease_duration: 3600, renewable: true, warnings: [] });

    const row = await roleRow(username);
    expect(row?.rolvaliduntil?.getTime()).toBe((t + 3600) * 1000);
    const member = await db.admin("SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = 'app_rw' AND u.rolname = $1", [username]);
    expect(member.rowCount).toBe(1);

    // It logs in, has the group's grants, and what it creates belongs to the group.
    const c = await db.connect(username, password);
    await c.query("INSERT INTO items VALUES (1)");
    expect((await c.query("SELECT current_user AS u")).rows[0]).toEqual({ u: "app_rw" });
    await c.query("CREATE TABLE made_by_lease (x int)");
    await c.end();
    const owner = await db.admin<{ o: string }>("SELECT tableowner AS o FROM pg_tables WHERE tablename = 'made_by_lease'");
    expect(owner.rows[0]?.o).toBe("app_rw");

    const info = await leases.lookup(lease.lease_id, t);
    expect(info).toMatchObject({ id: lease.lease_id, path: "database/creds/app", issue_time: t, expire_time: t + 3600, ttl: 3600, renewable: true, recorded: true });
    await leases.revoke(lease.lease_id, { now: now() });
  });

  it("caps --ttl at max_ttl with Vault's warning, and refuses unknown and disallowed roles", async () => {
    const t = now();
    const lease = await leases.issue("database/short", { ttl: 60, displayName: "root", now: t });
    expect(lease.lease_duration).toBe(10);
    expect(lease.warnings).toEqual(['TTL of "1m" exceeded the effective max_ttl of "10s"; TTL value is capped accordingly']);
    await leases.revoke(lease.lease_id, { now: t });

    expect((await thrown(leases.issue("database/creds/nope", { displayName: "root", now: t }))).message).toBe("unknown role: nope");
    await repo.connection("narrow", connectionData(db, { allowed_roles: "other, app-*" }));
    repo.role("narrowed", "db_name: narrow\ngroup_role: app_rw\n");
    const refused = await thrown(leases.issue("database/creds/narrowed", { displayName: "root", now: t }));
    expect(refused.message).toBe('"narrowed" is not an allowed role');
  });
});

describe("revoking", () => {
  it("ends the role's open sessions, drops it, and is idempotent", async () => {
    const lease = await leases.issue("database/creds/app", { displayName: "root", now: now() });
    const { username, password } = lease.data as { username: string; password: string };
    const open = await db.connect(username, password);
    await open.query("SELECT 1");

    await expect(leases.revoke(lease.lease_id, { now: now() })).resolves.toEqual({ leaseId: lease.lease_id, revoked: true });
    await expect(open.query("SELECT 1")).rejects.toThrow();
    await open.end().catch(() => undefined);
    expect(await roleRow(username)).toBeUndefined();
    expect(await loginFails(username, password)).toBe(true);
    expect(await leases.list({ now: now() })).toEqual([]);

    // Again, with no record and no role: success.
    await expect(leases.revoke(lease.lease_id, { now: now() })).resolves.toMatchObject({ revoked: true });
    await expect(leases.lookup(lease.lease_id, now())).rejects.toThrow("invalid lease");
  });

  it("needs only the lease id: with the record and the role's file gone, the marker names the connection", async () => {
    repo.role("doomed", "db_name: main\ngroup_role: app_rw\n");
    const lease = await leases.issue("database/creds/doomed", { displayName: "root", now: now() });
    const username = (lease.data as { username: string }).username;
    rmSync(join(stateDir, "leases"), { recursive: true, force: true });
    rmSync(join(repo.folder, "roles", "doomed.yaml"));
    const info = await leases.lookup(lease.lease_id, now());
    expect(info).toMatchObject({ recorded: false, renewable: true, last_renewal: null });
    await leases.revoke(lease.lease_id, { now: now() });
    expect(await roleRow(username)).toBeUndefined();
  });
});

describe("expiry and renewal", () => {
  it("stops logins at the TTL (VALID UNTIL), with no revocation", async () => {
    const t = now();
    const lease = await leases.issue("database/creds/app", { ttl: 2, displayName: "root", now: t });
    const { username, password } = lease.data as { username: string; password: string };
    expect(await loginFails(username, password)).toBe(false);
    expect(await waitFor(() => loginFails(username, password), 6000)).toBe(true);
    expect(Date.now()).toBeGreaterThanOrEqual((t + 2) * 1000);
    await expect(leases.renew(lease.lease_id, 0, now())).rejects.toThrow("lease expired");
    await leases.revoke(lease.lease_id, { now: now() });
  });

  it("renews up to max_ttl and no further, with Vault's warning and errors", async () => {
    const t = now();
    const lease = await leases.issue("database/creds/short", { displayName: "root", now: t });
    expect(lease.lease_duration).toBe(4);
    const username = (lease.data as { username: string }).username;

    const renewed = await leases.renew(lease.lease_id, 0, t + 1);
    expect(renewed).toEqual({ lease_id: lease.lease_id, lease_duration: 4, renewable: true, warnings: [] });
    expect((await roleRow(username))?.rolvaliduntil?.getTime()).toBe((t + 5) * 1000);

    const capped = await leases.renew(lease.lease_id, 3600, t + 3);
    expect(capped.lease_duration).toBe(7);
    expect(capped.warnings).toEqual(['TTL of "1h" exceeded the effective max_ttl of "7s"; TTL value is capped accordingly']);
    expect((await roleRow(username))?.rolvaliduntil?.getTime()).toBe((t + 10) * 1000);
    expect(await leases.lookup(lease.lease_id, t + 3)).toMatchObject({ expire_time: t + 10, last_renewal: t + 3, ttl: 7 });

    await expect(leases.renew(lease.lease_id, 0, t + 10)).rejects.toThrow("lease expired");
    await leases.revoke(lease.lease_id, { now: now() });
  });

  it("says `past the max TTL, cannot renew` when max_ttl was lowered below a lease's age (no record: the name's issue time)", async () => {
    const t = now();
    repo.role("lowered", "db_name: main\ngroup_role: app_rw\ndefault_ttl: 1h\n");
    const lease = await leases.issue("database/creds/lowered", { displayName: "root", now: t });
    rmSync(join(stateDir, "leases"), { recursive: true, force: true });
    repo.role("lowered", "db_name: main\ngroup_role: app_rw\ndefault_ttl: 1h\nmax_ttl: 5\n");
    const e = await thrown(leases.renew(lease.lease_id, 0, t + 5));
    expect([e.kind, e.message]).toEqual(["usage", "past the max TTL, cannot renew"]);
    const capped = await leases.renew(lease.lease_id, 0, t + 2);
    expect(capped).toMatchObject({ lease_duration: 3, warnings: ['TTL of "1h" exceeded the effective max_ttl of "3s"; TTL value is capped accordingly'] });
    await leases.revoke(lease.lease_id, { now: now() });
  });
});

describe("the reaper", () => {
  it("drops expired roles this tool made with every record lost, and leaves other roles alone", async () => {
    const t = now();
    const gone = await leases.issue("database/creds/app", { ttl: 1, displayName: "root", now: t });
    const live = await leases.issue("database/creds/app", { displayName: "root", now: t });
    const goneName = (gone.data as { username: string }).username;
    const liveName = (live.data as { username: string }).username;
    // A role named like ours but made by hand (a Vault on the same server): no marker, never reaped.
    const foreign = `v-root-app-${"A".repeat(20)}-${t}`;
    await db.admin(`CREATE ROLE "${foreign}" LOGIN VALID UNTIL '2001-01-01 00:00:00+00'`);
    rmSync(join(stateDir, "leases"), { recursive: true, force: true });

    expect(await waitFor(async () => (await db.admin("SELECT 1 FROM pg_roles WHERE rolname = $1 AND rolvaliduntil < now()", [goneName])).rowCount === 1, 5000)).toBe(true);
    const report = await leases.tidy(now());
    expect(report.reaped).toEqual([gone.lease_id]);
    expect(report.failures).toEqual([]);
    expect(await roleRow(goneName)).toBeUndefined();
    expect(await roleRow(liveName)).toBeDefined();
    expect(await roleRow(foreign)).toBeDefined();
    await leases.revoke(live.lease_id, { now: now() });
    await db.admin(`DROP ROLE "${foreign}"`);
  });
});

describe("names cannot inject SQL", () => {
  it("refuses role names that are not Vault's names, before any SQL", async () => {
    for (const path of ['database/creds/app"; DROP ROLE postgres; --', "database/creds/a'b", "database/creds/../app"]) {
      const e = await thrown(leases.issue(path, { displayName: "root", now: now() }));
      expect(e.kind).toBe("usage");
    }
    expect((await db.admin("SELECT 1 FROM pg_roles WHERE rolname = 'postgres'")).rowCount).toBe(1);
  });

  it("sanitizes display names and quotes group roles, so hostile text stays a name", async () => {
    const group = `weird"group'; DROP TABLE items; --`;
    await db.admin(`CREATE ROLE "${group.replace(/"/g, '""')}" NOLOGIN`);
    repo.role("weird", `db_name: main\ngroup_role: ${JSON.stringify(group)}\n`);
    const lease = await leases.issue("database/creds/weird", { displayName: `x"; DROP TABLE items; --`, now: now() });
    const username = (lease.data as { username: string }).username;
    expect(username).toMatch(/^v-x---DROP-weird-[A-Za-z0-9]{20}-\d+$/);
    const member = await db.admin("SELECT 1 FROM pg_auth_members m JOIN pg_roles g ON g.oid = m.roleid JOIN pg_roles u ON u.oid = m.member WHERE g.rolname = $1 AND u.rolname = $2", [group, username]);
    expect(member.rowCount).toBe(1);
    expect((await db.admin("SELECT 1 FROM pg_tables WHERE tablename = 'items'")).rowCount).toBe(1);
    await leases.revoke(lease.lease_id, { now: now() });
  });

  it("fills {{name}} and {{password}} quoted for where they stand, in plain statements and in a DO block", async () => {
    const resolved = resolveConnection((await new RepositoryDatabaseConfig({ folder: repo.folder, workspace: new Workspace({ startDir: repo.dir, env: { SOPS_AGE_KEY: repo.identity } }) }).connection("main"))!);
    const admin = new PgAdmin("main", resolved);
    const name = `evil"; DROP TABLE items; --'x`;
    const password = `p'w"; DROP TABLE items; --\\`;
    try {
      await admin.session("test", async (c) => {
        await c.query(fillStatement(`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}';`, { name, password, expiration: "2099-01-01 00:00:00+0000" }));
        await c.query(fillStatement(`COMMENT ON ROLE {{name}} IS {{password}};`, { name, password }));
        const row = await c.query<{ d: string }>("SELECT shobj_description(oid, 'pg_authid') AS d FROM pg_roles WHERE rolname = $1", [name]);
        expect(row.rows[0]?.d).toBe(password);
        await c.query(fillStatement(`DO $$ BEGIN IF EXISTS (SELECT FROM pg_roles WHERE rolname = '{{name}}') THEN EXECUTE 'DROP ROLE "' || replace('{{name}}', '"', '""') || '"'; END IF; END $$;`, { name }));
      });
      expect((await db.admin("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).rowCount).toBe(0);
      expect((await db.admin("SELECT 1 FROM pg_tables WHERE tablename = 'items'")).rowCount).toBe(1);
    } finally {
      await admin.close();
    }
  });

  it("runs a role's own statements (Vault's documented DO block) with the marker added", async () => {
    repo.role(
      "custom",
      [
        "db_name: main",
        "creation_statements:",
        `  - DO $$ BEGIN IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = '{{name}}') THEN CREATE ROLE "{{name}}" LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}'; END IF; END $$;`,
        `  - GRANT SELECT ON items TO "{{name}}";`,
        "revocation_statements:",
        `  - REVOKE ALL ON items FROM "{{name}}";`,
        `  - DROP ROLE IF EXISTS "{{name}}";`,
      ].join("\n"),
    );
    const lease = await leases.issue("database/creds/custom", { displayName: "root", now: now() });
    const { username, password } = lease.data as { username: string; password: string };
    const c = await db.connect(username, password);
    expect((await c.query("SELECT count(*)::int AS n FROM items")).rows[0]).toBeDefined();
    await c.end();
    await leases.revoke(lease.lease_id, { now: now() });
    expect(await roleRow(username)).toBeUndefined();
  });
});

describe("for rotation (#16)", () => {
  it("changes a login role's password with Vault's default statement, as a SCRAM verifier", async () => {
    const lease = await leases.issue("database/creds/app", { displayName: "root", now: now() });
    const { username, password } = lease.data as { username: string; password: string };
    const connection = await new RepositoryDatabaseConfig({ folder: repo.folder, workspace: new Workspace({ startDir: repo.dir, env: { SOPS_AGE_KEY: repo.identity } }) }).connection("main");
    const admin = new PgAdmin("main", resolveConnection(connection!));
    try {
      const next = `${password.slice(0, 10)}-Rotated9`;
      expect(await changeLoginPassword(admin, { username, password: next, statements: [], passwordAuthentication: "scram-sha-256" })).toBe(true);
      expect(await loginFails(username, password)).toBe(true);
      expect(await loginFails(username, next)).toBe(false);
      const stored = await db.admin<{ p: string }>("SELECT rolpassword AS p FROM pg_authid WHERE rolname = $1", [username]);
      expect(stored.rows[0]?.p).toMatch(/^SCRAM-SHA-256\$4096:/);
      expect(await changeLoginPassword(admin, { username: "v-nobody", password: next, statements: [], passwordAuthentication: "password" })).toBe(false);
    } finally {
      await admin.close();
    }
    await leases.revoke(lease.lease_id, { now: now() });
  });
});

describe("an unreachable database", () => {
  it("retries revocation with backoff, then marks the lease irrevocable; tidy revokes it once the database is back, --force drops a record", async () => {
    const first = await leases.issue("database/creds/app", { displayName: "root", now: now() });
    const second = await leases.issue("database/creds/app", { displayName: "root", now: now() });
    const firstName = (first.data as { username: string }).username;
    const deadPort = await freePort();
    await repo.connection("main", connectionData(db, { password_authentication: "scram-sha-256", connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${deadPort}/postgres?sslmode=disable` }));

    sleeps.length = 0;
    const e = await thrown(leases.revoke(first.lease_id, { now: now() }));
    expect(e.kind).toBe("engine-unavailable");
    expect(e.message).toContain(`lease ${first.lease_id} could not be revoked (3 attempts)`);
    expect(e.message).toContain("could not reach the database");
    expect(e.message).toContain("marked irrevocable");
    expect(e.message).not.toContain(db.adminPassword);
    // Vault's backoff: 2^n × base ± 50%.
    expect(sleeps).toHaveLength(2);
    expect(sleeps[0]).toBeGreaterThanOrEqual(1);
    expect(sleeps[0]).toBeLessThan(3);
    expect(sleeps[1]).toBeGreaterThanOrEqual(2);
    expect(sleeps[1]).toBeLessThan(6);

    const irrevocable = await leases.list({ irrevocable: true, now: now() });
    expect(irrevocable.map((l) => l.id)).toEqual([first.lease_id]);
    expect(irrevocable[0]?.revoke_error).toMatch(/^out of retries: database main: revoking the login role: could not reach the database: connect ECONNREFUSED/);
    expect(irrevocable[0]?.renewable).toBe(false);
    await expect(leases.renew(first.lease_id, 0, now())).rejects.toThrow("lease is expired and has failed previous revocation attempts");

    const forced = await leases.revoke(second.lease_id, { force: true, now: now() });
    expect(forced).toMatchObject({ leaseId: second.lease_id, revoked: false });
    expect((await leases.list({ now: now() })).map((l) => l.id)).toEqual([first.lease_id]);

    await repo.connection("main", connectionData(db, { password_authentication: "scram-sha-256" }));
    const report = await leases.tidy(now());
    expect(report.revoked).toEqual([first.lease_id]);
    expect(await roleRow(firstName)).toBeUndefined();
    expect(await leases.list({ now: now() })).toEqual([]);
    await leases.revoke(second.lease_id, { now: now() });
  });
});

describe("the admin password", () => {
  it("never appears in an error, even when PostgreSQL quotes it", async () => {
    repo.role("leaky", `db_name: main\ncreation_statements:\n  - SELECT '${db.adminPassword}'::int\n`);
    const e = await thrown(leases.issue("database/creds/leaky", { displayName: "root", now: now() }));
    expect(e.kind).toBe("engine-failed");
    expect(e.message).toContain('invalid input syntax for type integer: "[password]"');
    expect(e.message).not.toContain(db.adminPassword);

    repo.role("leaky", `db_name: main\ncreation_statements:\n  - SELECT '{{password}}'::int\n`);
    const generated = await thrown(leases.issue("database/creds/leaky", { displayName: "root", now: now() }));
    expect(generated.message).toContain('"[password]"');

    await repo.connection("wrong", connectionData(db, { password: `${db.adminPassword}-wrong` }));
    repo.role("wrongdb", "db_name: wrong\ngroup_role: app_rw\n");
    const login = await thrown(leases.issue("database/creds/wrongdb", { displayName: "root", now: now() }));
    expect(login.kind).toBe("engine-failed");
    expect(login.message).toContain('password authentication failed for user "postgres"');
    expect(login.message).not.toContain(db.adminPassword);
    expect(JSON.stringify(login)).not.toContain(db.adminPassword);
  });
});
