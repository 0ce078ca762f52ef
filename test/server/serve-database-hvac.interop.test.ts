import { spawnSync } from "node:child_process";
import { mkdirSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";
import { startPostgres, type TestPostgres, DATABASE_CONFIG, writeDatabaseEngine } from "../helpers/postgres.js";
import { startServe, type Served } from "./serve-helpers.js";

/**
 * Python's hvac (Debian's python3-hvac) against the `database` mount and `sys/leases/*` of the
 * built `secrets serve`, over a real PostgreSQL: `secrets.database.generate_credentials`,
 * `sys.read_lease`, `sys.renew_lease` with `increment=None` (sent as `"increment": null`),
 * `sys.revoke_lease` (a 204: hvac returns the response object), `sys.revoke_prefix` and
 * `sys.revoke_force`; the minted credentials log in (pg, from the test) and are gone from `pg_roles` once revoked.
 */

const SCRIPT = String.raw`
import json, os, hvac
out = {}
c = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
creds = c.secrets.database.generate_credentials(name="app")
out["creds"] = creds
out["lookup"] = c.sys.read_lease(lease_id=creds["lease_id"])["data"]
out["renew"] = c.sys.renew_lease(lease_id=creds["lease_id"])
out["renew_increment"] = c.sys.renew_lease(lease_id=creds["lease_id"], increment=1800)["lease_duration"]
try:
    c.sys.read_lease(lease_id="database/creds/app/v-nobody-app-x-1")
except hvac.exceptions.InvalidRequest as e:
    out["invalid"] = e.errors
second = c.secrets.database.generate_credentials(name="app")
out["second"] = second["data"]["username"]
third = c.secrets.database.generate_credentials(name="app")
out["third"] = third["data"]["username"]
out["revoke_prefix"] = c.sys.revoke_prefix(prefix="database/creds/app/" + second["data"]["username"]).status_code
out["revoke_force"] = c.sys.revoke_force(prefix="database/creds/app/" + third["data"]["username"]).status_code
print(json.dumps(out))
`;

const REVOKE = String.raw`
import os, hvac
c = hvac.Client(url=os.environ["VAULT_ADDR"], token=os.environ["VAULT_TOKEN"])
print(c.sys.revoke_lease(lease_id=os.environ["LEASE_ID"]).status_code)
`;

let db: TestPostgres;
const sb = new Sandbox();
let served: Served;
const CONFIG = DATABASE_CONFIG;

function python(script: string, env: Record<string, string> = {}): string {
  const r = spawnSync("/usr/bin/python3", ["-c", script], { env: { ...process.env, VAULT_ADDR: served.url, VAULT_TOKEN: served.rootToken!, ...env }, encoding: "utf8", timeout: 60_000 });
  expect(r.stderr).toBe("");
  return r.stdout;
}

async function roleExists(name: string): Promise<boolean> {
  return (await db.admin("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).rowCount === 1;
}

beforeAll(async () => {
  db = await startPostgres();
  await writeDatabaseEngine(sb, db, { mount: true });
  sb.git("commit", "-q", "-m", "database engine");
  served = await startServe(sb);
}, 120_000);

afterAll(async () => {
  await served?.stop();
  await db?.stop();
  sb.cleanup();
});

describe("hvac database and leases", () => {
  it("generate_credentials, read_lease, renew_lease (increment None), revoke_prefix, revoke_force, revoke_lease", async () => {
    const out = JSON.parse(python(SCRIPT)) as Record<string, any>;
    const { username, password } = out.creds.data as { username: string; password: string };
    expect(out.creds).toMatchObject({ lease_duration: 3600, renewable: true, mount_type: "database", lease_id: `database/creds/app/${username}` });
    const c = await db.connect(username, password);
    await c.end();
    expect(out.lookup).toMatchObject({ id: out.creds.lease_id, path: "database/creds/app", renewable: true, last_renewal: null });
    expect(out.renew).toMatchObject({ lease_id: out.creds.lease_id, lease_duration: 3600, renewable: true, data: null });
    expect(out.renew_increment).toBe(1800);
    expect(out.invalid).toEqual(["invalid lease"]);
    expect([out.revoke_prefix, out.revoke_force]).toEqual([204, 204]);
    expect(await roleExists(out.second)).toBe(false);
    expect(await roleExists(out.third)).toBe(false);
    expect(python(REVOKE, { LEASE_ID: out.creds.lease_id }).trim()).toBe("204");
    expect(await roleExists(username)).toBe(false);
    expect(served.stderr()).not.toContain(db.adminPassword);
  });
});
