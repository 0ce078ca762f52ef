/**
 * The SQL of the engine: what Vault's PostgreSQL plugin does (internal/builtin/database/postgresql
 * postgresql.go NewUser, UpdateUser, DeleteUser), with what this tool adds:
 *
 * - **Create**: the role's statements in one transaction, then a check that they made the role
 *   `{{name}}`, and the role's marker (marker.ts), in the same transaction: a role is there with its
 *   mark, or not at all. Without creation statements, a login role `IN ROLE` the role's group,
 *   acting as it (group-role statements below), so that objects and grants hang on the group.
 * - **Renew**: `ALTER ROLE … VALID UNTIL` (Vault's default statement) or the role's renew statements.
 * - **Revoke**: idempotent (no role, nothing to do). First `NOLOGIN`, then every session of the
 *   role is ended (`pg_terminate_backend`, waiting up to 5 s each) — Vault leaves them open, so its
 *   revoked users keep working until they disconnect. Then, in one transaction, the role's
 *   revocation statements, or by default what it owns is reassigned to its group (or the admin),
 *   its remaining privileges dropped (`DROP OWNED`, in the connection's database: privileges it was
 *   given in another database make `DROP ROLE` fail, and the lease irrevocable), and the role dropped.
 * - **Reap**: the expired roles (`rolvaliduntil` past, by the server's clock) with a name this
 *   engine makes and its marker.
 * - **Change password** and **check login**: for scheduled rotation (#16).
 *
 * Statements are filled in by statements.ts; identifiers and literals this file writes itself are
 * quoted there too. The admin needs CREATEROLE (with ADMIN OPTION on the group role, PostgreSQL 16+)
 * and `pg_signal_backend` to end other roles' sessions, or superuser.
 */
import type { PgAdmin, SqlClient } from "./admin.js";
import { markerText, parseMarker, type RoleMarker } from "./marker.js";
import { scramSha256Verifier } from "./scram.js";
import { fillStatement, quoteIdentifier, quoteLiteral } from "./statements.js";
import { USERNAME_PATTERN, USERNAME_PREFIX } from "./username.js";
import { SecretsError } from "../../errors.js";

export type PasswordAuthentication = "password" | "scram-sha-256";

/** Vault's expiration format, `2006-01-02 15:04:05-0700`, in UTC. */
export function expirationText(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace("T", " ").replace(/\.\d{3}Z$/, "+0000");
}

/** Vault's defaultExpirationStatement. */
export const DEFAULT_RENEW_STATEMENT = `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`;

/** Vault's defaultChangePasswordStatement. */
export const DEFAULT_CHANGE_PASSWORD_STATEMENT = `ALTER ROLE "{{username}}" WITH PASSWORD '{{password}}';`;

/** The creation statements of a role that names only its `group_role`. */
export function groupRoleCreationStatements(groupRole: string): string[] {
  const group = quoteIdentifier(groupRole);
  return [`CREATE ROLE "{{name}}" WITH LOGIN PASSWORD '{{password}}' VALID UNTIL '{{expiration}}' IN ROLE ${group};`, `ALTER ROLE "{{name}}" SET role = ${group};`];
}

/** The password as sent to the server: itself, or its SCRAM verifier. */
function sentPassword(password: string, auth: PasswordAuthentication): string {
  return auth === "scram-sha-256" ? scramSha256Verifier(password) : password;
}

async function roleExists(client: SqlClient, username: string): Promise<boolean> {
  const r = await client.query("SELECT 1 FROM pg_catalog.pg_roles WHERE rolname = $1", [username]);
  return (r.rowCount ?? 0) > 0;
}

async function runAll(client: SqlClient, statements: readonly string[], values: Parameters<typeof fillStatement>[1]): Promise<void> {
  for (const s of statements) if (s.trim() !== "") await client.query(fillStatement(s, values));
}

export interface CreateLoginRole {
  username: string;
  password: string;
  /** Unix seconds: the role's VALID UNTIL. */
  expiration: number;
  statements: readonly string[];
  marker: RoleMarker;
  passwordAuthentication: PasswordAuthentication;
}

export async function createLoginRole(admin: PgAdmin, input: CreateLoginRole): Promise<void> {
  const sent = sentPassword(input.password, input.passwordAuthentication);
  await admin.transaction(
    "creating the login role",
    async (client) => {
      await runAll(client, input.statements, { name: input.username, password: sent, expiration: expirationText(input.expiration) });
      if (!(await roleExists(client, input.username))) throw new SecretsError("config", `database ${admin.name}: the creation statements did not create the role {{name}}`);
      await client.query(`COMMENT ON ROLE ${quoteIdentifier(input.username)} IS ${quoteLiteral(markerText(input.marker))}`);
    },
    [input.password, sent],
  );
}

/** Sets the role's VALID UNTIL; false when there is no such role. */
export async function renewLoginRole(admin: PgAdmin, input: { username: string; expiration: number; statements: readonly string[] }): Promise<boolean> {
  return admin.transaction("renewing the login role", async (client) => {
    if (!(await roleExists(client, input.username))) return false;
    await runAll(client, input.statements.length ? input.statements : [DEFAULT_RENEW_STATEMENT], { name: input.username, expiration: expirationText(input.expiration) });
    return true;
  });
}

export interface DropLoginRole {
  username: string;
  /** The role's revocation statements; [] for the default. */
  statements: readonly string[];
  /** Who gets what the role owns (the default revocation): its group role, else the admin. */
  reassignTo: string | null;
}

/** Ends the role's sessions and drops it (see the file's comment). Success when it is not there. */
export async function dropLoginRole(admin: PgAdmin, input: DropLoginRole): Promise<void> {
  await admin.session("revoking the login role", async (client) => {
    if (!(await roleExists(client, input.username))) return;
    const role = quoteIdentifier(input.username);
    await client.query(`ALTER ROLE ${role} NOLOGIN`);
    await client.query("SELECT pg_catalog.pg_terminate_backend(pid, 5000) FROM pg_catalog.pg_stat_activity WHERE usename = $1 AND pid <> pg_catalog.pg_backend_pid()", [input.username]);
    await client.query("BEGIN");
    try {
      if (input.statements.length) {
        await runAll(client, input.statements, { name: input.username });
      } else {
        await client.query(`REASSIGN OWNED BY ${role} TO ${input.reassignTo === null ? "CURRENT_USER" : quoteIdentifier(input.reassignTo)}`);
        await client.query(`DROP OWNED BY ${role}`);
        await client.query(`DROP ROLE IF EXISTS ${role}`);
      }
      await client.query("COMMIT");
    } catch (e) {
      await client.query("ROLLBACK").catch(() => undefined);
      throw e;
    }
  });
}

export interface LoginRoleState {
  /** Unix seconds of VALID UNTIL; null: none (never expires). */
  validUntil: number | null;
  marker: RoleMarker | null;
}

function unixSeconds(v: unknown): number | null {
  // pg gives a Date; `infinity` comes back as a number (Infinity), which expires never.
  return v instanceof Date ? Math.floor(v.getTime() / 1000) : null;
}

/** The role as the server has it, or null when there is none. */
export async function loginRoleState(admin: PgAdmin, username: string): Promise<LoginRoleState | null> {
  return admin.session("reading the login role", async (client) => {
    const r = await client.query<{ rolvaliduntil: unknown; comment: string | null }>(
      "SELECT rolvaliduntil, pg_catalog.shobj_description(oid, 'pg_authid') AS comment FROM pg_catalog.pg_roles WHERE rolname = $1",
      [username],
    );
    const row = r.rows[0];
    return row ? { validUntil: unixSeconds(row.rolvaliduntil), marker: parseMarker(row.comment) } : null;
  });
}

/** The expired roles this tool made (name and marker), by the server's clock. */
export async function expiredLoginRoles(admin: PgAdmin): Promise<Array<{ username: string; marker: RoleMarker }>> {
  return admin.session("listing expired login roles", async (client) => {
    const r = await client.query<{ rolname: string; comment: string | null }>(
      "SELECT rolname, pg_catalog.shobj_description(oid, 'pg_authid') AS comment FROM pg_catalog.pg_roles WHERE starts_with(rolname, $1) AND rolvaliduntil < pg_catalog.now() ORDER BY rolname",
      [USERNAME_PREFIX],
    );
    const out: Array<{ username: string; marker: RoleMarker }> = [];
    for (const row of r.rows) {
      const marker = parseMarker(row.comment);
      if (marker && USERNAME_PATTERN.test(row.rolname)) out.push({ username: row.rolname, marker });
    }
    return out;
  });
}

/** Vault's UpdateUser with a password (static roles, rotation #16): false when there is no such role. */
export async function changeLoginPassword(admin: PgAdmin, input: { username: string; password: string; statements: readonly string[]; passwordAuthentication: PasswordAuthentication }): Promise<boolean> {
  const sent = sentPassword(input.password, input.passwordAuthentication);
  return admin.transaction(
    "changing the password",
    async (client) => {
      if (!(await roleExists(client, input.username))) return false;
      await runAll(client, input.statements.length ? input.statements : [DEFAULT_CHANGE_PASSWORD_STATEMENT], { name: input.username, password: sent });
      return true;
    },
    [input.password, sent],
  );
}
