import { readFileSync } from "node:fs";
import { join } from "node:path";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { PermissionDenied, SecretsClient, SecretsError } from "../../src/index.js";
import { Sandbox } from "../helpers/cli.js";
import { loginWorks, startPostgres, writeDatabaseEngine, type TestPostgres } from "../helpers/postgres.js";
import { startServe, type Served } from "../server/serve-helpers.js";

/**
 * The SDK's dynamic secrets against a real PostgreSQL: `getDynamic("database/creds/app")` →
 * `{ username, password, expires_in, lease_id, renewable }`, `renew`, `revoke`, over the files (the
 * checkout's engine and state directory, as `secrets creds`) and through the built `secrets serve`.
 */

let db: TestPostgres;
const sb = new Sandbox();
let served: Served;
let identity: string;
const seen: string[] = [];

async function pgRole(name: string): Promise<boolean> {
  return (await db.admin("SELECT 1 FROM pg_roles WHERE rolname = $1", [name])).rowCount === 1;
}

function local(): SecretsClient {
  return new SecretsClient({ cwd: sb.repo, identities: [identity] });
}

async function rejection(p: Promise<unknown>): Promise<SecretsError> {
  const e = await p.then(
    () => undefined,
    (err: unknown) => err,
  );
  expect(e).toBeInstanceOf(SecretsError);
  seen.push(String(e), (e as Error).stack ?? "");
  return e as SecretsError;
}

beforeAll(async () => {
  db = await startPostgres();
  await writeDatabaseEngine(sb, db, { mount: true });
  sb.git("commit", "-q", "-m", "database engine");
  identity = readFileSync(join(sb.dir, "config", "sops", "age", "keys.txt"), "utf8")
    .split("\n")
    .find((l) => l.startsWith("AGE-SECRET-KEY-"))!;
  served = await startServe(sb);
}, 120_000);

afterAll(async () => {
  await served?.stop();
  await db?.stop();
  sb.cleanup();
});

describe("getDynamic over the repository's files", () => {
  it("mints a PostgreSQL login: its fields, the lease id, expires_in; the lease is the checkout's (secrets lease list)", async () => {
    const client = local();
    const cred = await client.getDynamic("database/creds/app");
    expect(Object.keys(cred).sort()).toEqual(["expires_in", "lease_id", "password", "renewable", "username"]);
    expect(cred).toMatchObject({ expires_in: 3600, renewable: true });
    expect(cred.username).toMatch(/^v-[a-z0-9-]+-app-[A-Za-z0-9]{20}-\d{10}$/);
    expect(cred.lease_id).toBe(`database/creds/app/${cred.username}`);
    expect(await loginWorks(db, cred.username, cred.password)).toBe(true);
    expect(await sb.ok(["lease", "list"])).toContain(cred.lease_id);
    await client.revoke(cred.lease_id);
    client.close();
  });

  it("takes a ttl (seconds or a duration), capped at max_ttl; renews; revokes: the login fails, pg_roles has no row; revoking again succeeds", async () => {
    const client = local();
    expect((await client.getDynamic("database/creds/app", { ttl: 60 })).expires_in).toBe(60);
    const capped = await client.getDynamic("database/creds/app", { ttl: "3h" });
    expect(capped.expires_in).toBe(7200);
    const cred = await client.getDynamic("database/creds/app", { ttl: "15m" });
    expect(cred.expires_in).toBe(900);
    const renewed = await client.renew(cred.lease_id, { increment: "30m" });
    expect(renewed).toMatchObject({ lease_id: cred.lease_id, expires_in: 1800, renewable: true, warnings: [] });
    const until = await db.admin<{ left: number }>("SELECT extract(epoch FROM rolvaliduntil - now())::int AS left FROM pg_roles WHERE rolname = $1", [cred.username]);
    expect(until.rows[0]!.left).toBeGreaterThan(1700);
    await client.revoke(cred.lease_id);
    expect(await pgRole(cred.username)).toBe(false);
    expect(await loginWorks(db, cred.username, cred.password)).toBe(false);
    await client.revoke(cred.lease_id);
    // Another client (another process, say) needs the lease id only.
    await local().revoke(capped.lease_id);
    expect(await pgRole(capped.username)).toBe(false);
    client.close();
  });

  it("refuses bad input with usage errors that quote nothing given", async () => {
    const client = local();
    expect((await rejection(client.getDynamic("database/creds/nope"))).message).toContain("nope");
    expect((await rejection(client.getDynamic("database/creds/app", { ttl: "soon-secret" }))).message).not.toContain("soon-secret");
    expect((await rejection(client.getDynamic("database/creds/app", { ttl: 5, extra: 1 } as never))).message).toContain("unknown option extra");
    expect((await rejection(client.renew("not-a-lease"))).kind).toBe("usage");
    client.close();
  });
});

describe("getDynamic through the server (url)", () => {
  it("database/creds/app, sys/leases/renew and sys/leases/revoke: the same shape, the credential works, then is gone", async () => {
    const client = new SecretsClient({ url: served.url, token: served.rootToken! });
    const cred = await client.getDynamic("database/creds/app");
    expect(Object.keys(cred).sort()).toEqual(["expires_in", "lease_id", "password", "renewable", "username"]);
    expect(cred.username).toMatch(/^v-root-app-/);
    expect(cred).toMatchObject({ expires_in: 3600, renewable: true, lease_id: `database/creds/app/${cred.username}` });
    expect(await loginWorks(db, cred.username, cred.password)).toBe(true);
    const renewed = await client.renew(cred.lease_id, { increment: 7200 * 2 });
    expect(renewed.expires_in).toBeLessThanOrEqual(7200);
    expect(renewed.warnings.join(" ")).toContain("capped");
    await client.revoke(cred.lease_id);
    expect(await pgRole(cred.username)).toBe(false);
    expect(await loginWorks(db, cred.username, cred.password)).toBe(false);
    client.close();
  });

  it("an unknown token is PermissionDenied; an unknown role is the server's 400 text", async () => {
    const bad = new SecretsClient({ url: served.url, token: "hvs.not-a-token" });
    expect(await rejection(bad.getDynamic("database/creds/app"))).toBeInstanceOf(PermissionDenied);
    bad.close();
    const client = new SecretsClient({ url: served.url, token: served.rootToken! });
    expect((await rejection(client.getDynamic("database/creds/nope"))).message).toContain("unknown role");
    client.close();
  });

  it("no error said the admin password", () => {
    for (const text of seen) expect(text).not.toContain(db.adminPassword);
  });
});
