import { existsSync, rmSync, writeFileSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { Sandbox } from "../helpers/cli.js";
import { startPostgres, waitFor, writeDatabaseEngine, type TestPostgres } from "../helpers/postgres.js";
import { raw, startServe, type Served } from "./serve-helpers.js";

/**
 * The server's lease reaper and its lease listing, against a real PostgreSQL: LIST
 * `sys/leases/lookup/<prefix>` (Vault's key listing), `sys/leases/tidy` (202 with Vault's warning),
 * lease records that survive a restart, and `--reap-interval` dropping the expired roles of a
 * server killed with SIGKILL after its state directory (every lease record) is gone.
 */

let db: TestPostgres;
const sb = new Sandbox();
const servers: Served[] = [];

interface Creds {
  lease_id: string;
  data: { username: string; password: string };
}

async function start(args: string[]): Promise<Served> {
  const s = await startServe(sb, args);
  servers.push(s);
  return s;
}

async function call(s: Served, token: string, method: string, path: string, body?: unknown): Promise<{ status: number; body: string }> {
  const r = await raw(method, `${s.url}/v1/${path}`, { "x-vault-token": token, "content-type": "application/json" }, body === undefined ? undefined : JSON.stringify(body));
  return { status: r.status, body: r.body };
}

async function pgRole(name: string): Promise<boolean> {
  return (await db.admin("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).rowCount === 1;
}

beforeAll(async () => {
  db = await startPostgres();
  await writeDatabaseEngine(sb, db, { mount: true });
  // Short-lived credentials, so that the test sees them expire.
  writeFileSync(sb.path(".secrets/engines/database/roles/app.yaml"), "db_name: main\ngroup_role: app_rw\ndefault_ttl: 3s\nmax_ttl: 1h\n");
  sb.git("add", "-A");
  sb.git("commit", "-q", "-m", "database engine");
}, 120_000);

afterAll(async () => {
  for (const s of servers) await s.stop();
  await db?.stop();
  sb.cleanup();
});

describe("lease listing, records across restarts, and the reaper", () => {
  let root: string;
  let minted: Creds[];

  it("LIST sys/leases/lookup/<prefix>: the segments below the prefix, as Vault's storage list; 404 when none", async () => {
    const a = await start(["--reap-interval", "0"]);
    root = a.rootToken!;
    minted = [];
    for (let i = 0; i < 2; i++) {
      const r = await call(a, root, "GET", "database/creds/app");
      expect(r.status).toBe(200);
      minted.push(JSON.parse(r.body) as Creds);
    }
    const list = async (prefix: string) => call(a, root, "LIST", `sys/leases/lookup/${prefix}`);
    expect(JSON.parse((await list("")).body).data).toEqual({ keys: ["database/"] });
    expect(JSON.parse((await list("database")).body).data).toEqual({ keys: ["creds/"] });
    const roles = await list("database/creds/app/");
    expect(roles.status).toBe(200);
    expect(JSON.parse(roles.body).data).toEqual({ keys: minted.map((c) => c.data.username).sort() });
    expect(await list("database/creds/nope/")).toEqual({ status: 404, body: '{"errors":[]}\n' });
    // Vault's verb for it is LIST only; the lookup of one lease stays PUT sys/leases/lookup.
    expect((await call(a, root, "PUT", "sys/leases/lookup/database/")).status).toBe(405);
    // SIGKILL: no shutdown, the pools and timers die with it.
    a.proc.kill("SIGKILL");
    await a.exited;
    for (const c of minted) expect(await pgRole(c.data.username)).toBe(true);
  });

  it("the records survive a restart: a new server lists and looks them up", async () => {
    const b = await start(["--reap-interval", "0"]);
    const list = await call(b, root, "LIST", "sys/leases/lookup/database/creds/app");
    expect(JSON.parse(list.body).data.keys).toEqual(minted.map((c) => c.data.username).sort());
    const look = await call(b, root, "PUT", "sys/leases/lookup", { lease_id: minted[0]!.lease_id });
    expect(look.status).toBe(200);
    expect(JSON.parse(look.body).data).toMatchObject({ id: minted[0]!.lease_id, path: "database/creds/app" });
    expect(JSON.parse(look.body).data.issue_time).toMatch(/^\d{4}-\d\d-\d\dT/);
    const tidy = await call(b, root, "PUT", "sys/leases/tidy");
    expect(tidy.status).toBe(202);
    expect(JSON.parse(tidy.body)).toMatchObject({ data: null, warnings: ["Tidy operation successfully started. Any information from the operation will be printed to Vault's server logs."] });
    b.proc.kill("SIGKILL");
    await b.exited;
  });

  it("--reap-interval: with every lease record gone, a new server drops the expired roles the SIGKILLed ones left", async () => {
    const leasesDir = sb.path(".git/secrets-server/leases");
    expect(existsSync(leasesDir)).toBe(true);
    rmSync(leasesDir, { recursive: true, force: true });
    // VALID UNTIL has passed for both (3 s), but the roles are still there: nothing revoked them.
    expect(await waitFor(async () => (await db.admin("SELECT 1 FROM pg_roles WHERE rolname = ANY($1) AND rolvaliduntil < now()", [minted.map((c) => c.data.username)])).rowCount === 2, 10_000)).toBe(true);
    for (const c of minted) expect(await pgRole(c.data.username)).toBe(true);
    const c = await start(["--reap-interval", "1s"]);
    expect(await waitFor(async () => !(await pgRole(minted[0]!.data.username)) && !(await pgRole(minted[1]!.data.username)), 15_000)).toBe(true);
    expect(await waitFor(() => Promise.resolve(c.stderr().includes(`reaped ${minted[0]!.lease_id}`)), 5000)).toBe(true);
    expect(c.stderr()).not.toContain(db.adminPassword);
    for (const m of minted) expect(c.stderr()).not.toContain(m.data.password);
  });

  it("refuses a --reap-interval that is not a duration", async () => {
    const r = await sb.run(["serve", "--listen", "127.0.0.1:0", "--reap-interval", "soon"]);
    expect(r.code).not.toBe(0);
    expect(r.stderr).toContain("--reap-interval must be 0 or a duration of at least 1s");
  });
});
