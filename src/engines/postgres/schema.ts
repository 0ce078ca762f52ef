/**
 * The zod schemas of the database engine's two files, with Vault's field names
 * (builtin/logical/database path_config_connection.go and path_roles.go), apart from the code that
 * reads them so that `scripts/gen-schemas.mjs` can bundle them alone
 * (schemas/database-connection.schema.json, schemas/database-role.schema.json). They validate
 * only; config-files.ts turns durations into seconds and fills defaults.
 *
 * - The **connection**, `.secrets/engines/<mount>/config/<name>.yaml`, is a sops-encrypted file
 *   (it holds the admin password): Vault's `database/config/:name`.
 * - A **role**, `.secrets/engines/<mount>/roles/<role>.yaml`, is plaintext, reviewed like code:
 *   Vault's `database/roles/:name`, plus `group_role`.
 *
 * Unknown fields are refused (a misspelt `max_ttl` must not silently mean the 32-day default), and
 * so are Vault's fields this engine does not implement (`username_template`, `password_policy`,
 * `credential_config`), rather than accepted and ignored.
 */
import { z } from "zod";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { ROLE_NAME_PATTERN } from "../../leases/lease-id.js";

/** Vault's only PostgreSQL plugin name. */
export const POSTGRES_PLUGIN_NAME = "postgresql-database-plugin";

/** A connection or role name: Vault's GenericNameRegex (the file's name without its extension). */
export const EngineObjectName = z.string().regex(ROLE_NAME_PATTERN, "a name is letters, digits, '_', '-' and '.', starting and ending with a letter, digit or '_'");

/** Vault's TypeStringSlice: one string or a list of them. Each string is sent as one query. */
const Statements = z.union([z.string(), z.array(z.string())]);

/** Vault's TypeDurationSecond: seconds, or a duration such as `1h`, `90m`, `7d`. */
export const DurationSeconds = z.union([
  z.int().min(0),
  z.string().refine((s) => {
    const parsed = parseDurationSeconds(s);
    return "seconds" in parsed && parsed.seconds >= 0;
  }, "a duration is seconds or a Go duration such as 1h, 90m, 7d"),
]);

/** A PostgreSQL role name given in configuration (`group_role`): 1 to 63 bytes, no NUL. */
const PgRoleName = z
  .string()
  .min(1)
  .refine((s) => Buffer.byteLength(s) <= 63 && !s.includes("\0"), "a PostgreSQL role name is 1 to 63 bytes");

export const DatabaseConnectionFile = z.strictObject({
  /** Vault's plugin name; the only one here. */
  plugin_name: z.literal(POSTGRES_PLUGIN_NAME).optional(),
  /**
   * `postgresql://{{username}}:{{password}}@host:5432/db?sslmode=verify-full`, as Vault takes it:
   * `{{username}}` and `{{password}}` are replaced by `username` and `password` (URL-escaped).
   */
  connection_url: z.string().min(1, "connection_url cannot be empty"),
  username: z.string().optional(),
  password: z.string().optional(),
  /** The roles that may use this connection (globs, `*` for all); none by default, as in Vault. */
  allowed_roles: z.union([z.array(z.string()), z.string()]).optional(),
  /** Vault's: `password` sends the new password as is; `scram-sha-256` sends its SCRAM verifier instead. */
  password_authentication: z.enum(["password", "scram-sha-256"]).optional(),
  /** Vault checks the connection when the config is written; here a file is not written through the engine, so it is accepted and unused. */
  verify_connection: z.boolean().optional(),
  /** At most this many connections at once (Vault's default: 4). */
  max_open_connections: z.int().min(1).max(100).optional(),
  /** For rotating the admin's own password (Vault's `rotate-root`); kept for #16. */
  root_rotation_statements: Statements.optional(),
});
export type DatabaseConnectionFile = z.infer<typeof DatabaseConnectionFile>;

export const DatabaseRoleFile = z
  .strictObject({
    /** The connection it uses: `config/<db_name>.yaml`. */
    db_name: EngineObjectName,
    /** Run in one transaction to make the login role; `{{name}}`, `{{password}}`, `{{expiration}}` filled in. */
    creation_statements: Statements.optional(),
    /** Run to drop it; default: end its sessions, reassign and drop what it owns, drop the role. */
    revocation_statements: Statements.optional(),
    /** Run to extend it; default: `ALTER ROLE "{{name}}" VALID UNTIL '{{expiration}}';`. */
    renew_statements: Statements.optional(),
    /** Vault's field, which its PostgreSQL plugin never runs (creation is one transaction); accepted and unused likewise. */
    rollback_statements: Statements.optional(),
    default_ttl: DurationSeconds.optional(),
    max_ttl: DurationSeconds.optional(),
    /** Only `password` (Vault's default). */
    credential_type: z.literal("password").optional(),
    /**
     * Ours: the group role that holds the grants. Without `creation_statements` the login role is
     * created `IN ROLE` it and set to act as it (`ALTER ROLE … SET role`), so what it creates is
     * owned by the group; on revocation what it still owns is reassigned to it.
     */
    group_role: PgRoleName.optional(),
  })
  .refine((r) => r.creation_statements !== undefined || r.group_role !== undefined, "a role needs creation_statements or group_role");
export type DatabaseRoleFile = z.infer<typeof DatabaseRoleFile>;

/** The JSON Schema of a connection file, for `npm run schemas`. */
export function renderConnectionJsonSchema(): string {
  return JSON.stringify(z.toJSONSchema(DatabaseConnectionFile, { io: "input", target: "draft-2020-12", unrepresentable: "any" }), null, 2) + "\n";
}

/** The JSON Schema of a role file, for `npm run schemas`. */
export function renderRoleJsonSchema(): string {
  return JSON.stringify(z.toJSONSchema(DatabaseRoleFile, { io: "input", target: "draft-2020-12", unrepresentable: "any" }), null, 2) + "\n";
}

/**
 * A **static role**, `.secrets/engines/<mount>/static-roles/<name>.yaml`: Vault's
 * `database/static-roles/:name` (path_roles.go, the static account): one existing login role whose
 * password the server rotates every `rotation_period`. Written through the API (each write a
 * commit) or by a pull request. Its current password is not here but in the sops-encrypted
 * `static-creds/<name>.yaml` beside it (docs/rotation.md).
 */
export const DatabaseStaticRoleFile = z.strictObject({
  /** The connection whose admin changes the password: `config/<db_name>.yaml`. */
  db_name: EngineObjectName,
  /** The existing PostgreSQL login role. */
  username: PgRoleName,
  /** Seconds (or a duration) between rotations; Vault's minimum is 5 seconds. */
  rotation_period: DurationSeconds,
  /** Run to change the password, `{{name}}`/`{{username}}` and `{{password}}` filled in; default `ALTER ROLE … WITH PASSWORD`. */
  rotation_statements: Statements.optional(),
  /** Only `password` (Vault's default). */
  credential_type: z.literal("password").optional(),
});
export type DatabaseStaticRoleFile = z.infer<typeof DatabaseStaticRoleFile>;

/** The JSON Schema of a static role file, for `npm run schemas`. */
export function renderStaticRoleJsonSchema(): string {
  return JSON.stringify(z.toJSONSchema(DatabaseStaticRoleFile, { io: "input", target: "draft-2020-12", unrepresentable: "any" }), null, 2) + "\n";
}
