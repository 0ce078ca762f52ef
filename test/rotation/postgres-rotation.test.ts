import { readFileSync, writeFileSync, mkdirSync } from "node:fs";
import { afterAll, beforeAll, describe, expect, it } from "vitest";
import { SecretsClient } from "../../src/sdk/client.js";
import { Sandbox } from "../helpers/cli.js";
import { decryptedValues, sandboxIdentity } from "../helpers/sandbox-files.js";
import { loginWorks, startPostgres, writeDatabaseEngine, type TestPostgres } from "../helpers/postgres.js";

/**
 * The postgres generator against a real PostgreSQL, through the CLI: a single-strategy rotation
 * changes the login role's password; the alternating strategy switches between two login roles of
 * one group role with no failed login for a client that reads the credentials through the SDK and
 * logs in every few milliseconds, across several rotations; a SIGKILL after each step is resumed to
 * completion; no password is printed, committed in a message or kept in clear.
 */

let db: TestPostgres;
let base: Sandbox;
const INITIAL_A = "Initial-A-password-0123";
const INITIAL_S = "Initial-S-password-4567";

beforeAll(async () => {
  db = await startPostgres();
  base = new Sandbox();
  await writeDatabaseEngine(base, db);
  const sops = readFileSync(base.path(".sops.yaml"), "utf8");
  const recipient = /&me (age1\S+)/.exec(sops)![1]!;
  writeFileSync(base.path(".sops.yaml"), sops + `  - path_regex: (^|/)secrets/\n    age: ${recipient}\n`);
  await db.admin(`CREATE ROLE app_a LOGIN PASSWORD '${INITIAL_A}' IN ROLE app_rw`);
  await db.admin(`CREATE ROLE app_s LOGIN PASSWORD '${INITIAL_S}'`);
  await db.admin("CREATE TABLE rotation_probe (n int)");
  await db.admin("GRANT SELECT ON rotation_probe TO app_rw");
  mkdirSync(base.path("secrets"), { recursive: true });
  writeFileSync(base.path("secrets/db.yaml"), `username: app_a\npassword: ${INITIAL_A}\n`);
  writeFileSync(base.path("secrets/single.yaml"), `username: app_s\npassword: ${INITIAL_S}\n`);
  await base.ok(["encrypt", "-i", "secrets/db.yaml"]);
  await base.ok(["encrypt", "-i", "secrets/single.yaml"]);
  mkdirSync(base.path(".secrets"), { recursive: true });
  writeFileSync(
    base.path(".secrets/rotation.yaml"),
    `rotations:
  - path: db/password
    every: 30d
    generator: { type: postgres, db_name: main, usernames: [app_a, app_b], group_role: app_rw }
    strategy: alternating
    grace: 1
    owner: dba
  - path: single/password
    every: 30d
    generator: { type: postgres, db_name: main, username: app_s }
    owner: dba
`,
  );
  base.git("add", "-A");
  base.git("commit", "-q", "-m", "database and secrets");
}, 120_000);

afterAll(async () => {
  base?.cleanup();
  await db?.stop();
});

async function creds(sb: Sandbox, file: string): Promise<{ username: string; password: string }> {
  return (await decryptedValues(sb, file)) as { username: string; password: string };
}

function assertNoPassword(sb: Sandbox, outputs: string[], passwords: string[]): void {
  const log = sb.git("log", "--format=%B");
  for (const p of [...passwords, db.adminPassword]) for (const o of [...outputs, log]) expect(o).not.toContain(p);
}

describe("rotate values with the postgres generator (real PostgreSQL)", () => {
  it("single: the login role's password changes, the old one stops working, the new one is committed", async () => {
    const sb = new Sandbox({ from: base });
    const r = await sb.run(["rotate", "values", "single/password", "--format", "json"]);
    expect(r.code, r.stderr).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual([expect.objectContaining({ action: "rotated", step: null })]);
    const now = await creds(sb, "secrets/single.yaml");
    expect(now.username).toBe("app_s");
    expect(now.password).not.toBe(INITIAL_S);
    expect(await loginWorks(db, "app_s", now.password)).toBe(true);
    expect(await loginWorks(db, "app_s", INITIAL_S)).toBe(false);
    assertNoPassword(sb, [r.stdout, r.stderr], [now.password, INITIAL_S]);
    sb.cleanup();
  }, 60_000);

  it("alternating: a client logging in every few ms with the credentials the SDK reads sees no failure across several rotations", async () => {
    const sb = new Sandbox({ from: base });
    const client = new SecretsClient({ root: sb.path("secrets"), identities: [sandboxIdentity(sb)] });
    let stop = false;
    let logins = 0;
    const failures: string[] = [];
    const seen = new Set<string>();
    const loop = (async () => {
      while (!stop) {
        const c = await client.getMany(["db/username", "db/password"]);
        const user = c["db/username"] as string;
        seen.add(user);
        try {
          const conn = await db.connect(user, c["db/password"] as string);
          await conn.query("SELECT count(*) FROM rotation_probe");
          await conn.end();
          logins++;
        } catch (e) {
          failures.push(`${user}: ${(e as Error).message}`);
        }
        await new Promise((r) => setTimeout(r, 3));
      }
    })();
    const outputs: string[] = [];
    const passwords = new Set<string>([INITIAL_A]);
    const users: string[] = [];
    for (let i = 0; i < 3; i++) {
      const r = await sb.run(["rotate", "values", "db/password", "--format", "json"]);
      expect(r.code, r.stderr).toBe(0);
      outputs.push(r.stdout, r.stderr);
      const now = await creds(sb, "secrets/db.yaml");
      users.push(now.username);
      passwords.add(now.password);
      // The grace period (1s) passes before the next rotation finishes this one.
      await new Promise((r) => setTimeout(r, 1300));
    }
    stop = true;
    await loop;
    expect(failures).toEqual([]);
    expect(logins).toBeGreaterThan(20);
    expect(users).toEqual(["app_b", "app_a", "app_b"]);
    expect([...seen].sort()).toEqual(["app_a", "app_b"]);
    // After the last finish (run now), only the active login works.
    const last = await sb.run(["rotate", "values", "--due"]);
    outputs.push(last.stdout, last.stderr);
    const now = await creds(sb, "secrets/db.yaml");
    expect(await loginWorks(db, now.username, now.password)).toBe(true);
    const other = now.username === "app_a" ? "app_b" : "app_a";
    const { rows } = await db.admin<{ rolcanlogin: boolean }>("SELECT rolcanlogin FROM pg_roles WHERE rolname = $1", [other]);
    expect(rows[0]?.rolcanlogin).toBe(false);
    expect(sb.git("log", "--format=%s").split("\n").filter((l) => l.includes("db/password"))).toHaveLength(3);
    assertNoPassword(sb, outputs, [...passwords]);
    client.close();
    sb.cleanup();
  }, 120_000);

  it.each(["created", "set", "tested", "committed"])("alternating: a SIGKILL after step %s, then a resumed run completes the rotation", async (step) => {
    const sb = new Sandbox({ from: base });
    await db.admin(`ALTER ROLE app_a LOGIN PASSWORD '${INITIAL_A}'`);
    const killed = await sb.run(["rotate", "values", "db/password"], { env: { SECRETS_ROTATION_KILL_AT: step } });
    expect(killed.code).toBe(128);
    // The committed credentials still work while the rotation is pending.
    const before = await creds(sb, "secrets/db.yaml");
    expect(await loginWorks(db, before.username, before.password)).toBe(true);
    await new Promise((r) => setTimeout(r, 1100));
    const resumed = await sb.run(["rotate", "values", "--due", "--format", "json"]);
    expect(resumed.code, resumed.stderr).toBe(0);
    const [o] = JSON.parse(resumed.stdout) as Array<{ action: string; step: string | null }>;
    expect(["rotated", "finished"]).toContain(o!.action);
    // Past the grace period of 1s, a further run finishes whatever is left.
    await new Promise((r) => setTimeout(r, 1100));
    await sb.ok(["rotate", "values", "--due"]);
    const now = await creds(sb, "secrets/db.yaml");
    expect(now.username).toBe("app_b");
    expect(await loginWorks(db, "app_b", now.password)).toBe(true);
    expect(await loginWorks(db, "app_a", INITIAL_A)).toBe(false);
    expect(JSON.parse(await sb.ok(["rotation", "status", "--format", "json"]))).toEqual(expect.arrayContaining([expect.objectContaining({ path: "db/password", state: "ok", step: null })]));
    assertNoPassword(sb, [killed.stdout, killed.stderr, resumed.stdout, resumed.stderr], [now.password]);
    sb.cleanup();
  }, 60_000);
});
