/**
 * The database engine for PostgreSQL (Vault's `database` secrets engine with its
 * `postgresql-database-plugin`): `<mount>/creds/<role>` makes a login role valid until now + TTL,
 * member of the role's group; renewal moves its VALID UNTIL, never past issue time + `max_ttl`;
 * revocation ends its sessions and drops it; the reaper drops the expired ones this tool made.
 *
 * Configuration comes from a DatabaseConfigSource (the repository's files, config-files.ts), read
 * per operation, so a merged change applies at once. One admin pool per connection is kept while
 * the connection's settings stay the same (a changed file, e.g. a rotated admin password, gets a
 * new pool); `close()` ends them.
 *
 * Finding a credential from its lease id alone: the role's file names the connection (`db_name`);
 * without it, the lease record's internal data does; without either, every configured connection
 * is asked for a role of that name carrying this tool's marker (marker.ts), which names the
 * connection it was made through.
 */
import { createHash } from "node:crypto";
import { SecretsError } from "../../errors.js";
import { formatLeaseId, parseLeaseId } from "../../leases/lease-id.js";
import { leaseTtl } from "../../leases/ttl.js";
import type { CredentialState, DynamicEngine, EngineTidyReport, IssuedCredential, IssueRequest, LeasedCredential, RenewedCredential } from "../engine.js";
import { generatePassword } from "../password.js";
import { PgAdmin } from "./admin.js";
import type { DatabaseConfigSource, DatabaseConnection, DatabaseRole } from "./config-files.js";
import { resolveConnection } from "./connection-url.js";
import { createLoginRole, dropLoginRole, expiredLoginRoles, groupRoleCreationStatements, loginRoleState, renewLoginRole } from "./login-roles.js";
import { generateUsername, issueTimeOf } from "./username.js";

/** Vault's strutil.StrListContainsGlob: `*` matches any run of characters. */
function globMatch(pattern: string, value: string): boolean {
  const re = new RegExp(`^${pattern.split("*").map((p) => p.replace(/[.+?^${}()|[\]\\]/g, "\\$&")).join(".*")}$`);
  return re.test(value);
}

function stringsOf(v: string | readonly string[] | undefined): string[] {
  return v === undefined ? [] : typeof v === "string" ? [v] : [...v];
}

export interface DatabaseEngineOptions {
  /** The mount point without its slash; default `database`. */
  mount?: string;
  config: DatabaseConfigSource;
}

/** Where a credential lives: its connection, and its role's configuration when that is still there. */
interface Located {
  dbName: string;
  role: DatabaseRole | null;
}

export class DatabaseEngine implements DynamicEngine {
  readonly type = "database";
  readonly mount: string;
  readonly #config: DatabaseConfigSource;
  readonly #admins = new Map<string, { key: string; admin: PgAdmin }>();

  constructor(options: DatabaseEngineOptions) {
    this.mount = options.mount ?? "database";
    this.#config = options.config;
  }

  /** The admin pool of connection `name`, made again when its settings changed. Kind `config` when there is no such connection. */
  async #admin(name: string): Promise<{ admin: PgAdmin; connection: DatabaseConnection }> {
    const connection = await this.#config.connection(name);
    if (!connection) throw new SecretsError("config", `no connection named ${name} is configured (${this.mount}/config/${name})`);
    const resolved = resolveConnection(connection);
    // Kept in memory only: a digest of the settings (password included) tells a changed file apart.
    const key = createHash("sha256").update(JSON.stringify(resolved.settings)).digest("hex");
    const held = this.#admins.get(name);
    if (held?.key === key) return { admin: held.admin, connection };
    if (held) await held.admin.close();
    const admin = new PgAdmin(name, resolved);
    this.#admins.set(name, { key, admin });
    return { admin, connection };
  }

  async #role(name: string): Promise<DatabaseRole> {
    const role = await this.#config.role(name);
    if (!role) throw new SecretsError("usage", `unknown role: ${name}`);
    return role;
  }

  async issue(request: IssueRequest): Promise<IssuedCredential> {
    const role = await this.#role(request.role);
    const { admin, connection } = await this.#admin(role.dbName);
    // path_creds_create.go: the connection's allowed_roles gates every role (none by default).
    if (!connection.allowedRoles.includes("*") && !connection.allowedRoles.some((p) => globMatch(p, role.name))) {
      throw new SecretsError("config", `${JSON.stringify(role.name)} is not an allowed role`);
    }
    const { ttl, warnings } = leaseTtl({ increment: request.ttl, defaultTtl: role.defaultTtl, maxTtl: role.maxTtl, issueTime: request.now, now: request.now });
    const username = generateUsername(request.displayName, role.name, request.now);
    const password = generatePassword();
    const leaseId = formatLeaseId({ mount: this.mount, role: role.name, credentialId: username });
    await createLoginRole(admin, {
      username,
      password,
      expiration: request.now + ttl,
      statements: role.creationStatements.length ? role.creationStatements : groupRoleCreationStatements(role.groupRole!),
      marker: { lease_id: leaseId, db_name: role.dbName },
      passwordAuthentication: connection.passwordAuthentication,
    });
    const internal: Record<string, string | string[]> = { username, role: role.name, db_name: role.dbName, revocation_statements: role.revocationStatements };
    if (role.groupRole !== null) internal.group_role = role.groupRole;
    return { credentialId: username, data: { username, password }, ttl, renewable: true, warnings, internal };
  }

  /** The credential's connection and role (see the file's comment); null when no configured connection has it. */
  async #locate(credential: LeasedCredential): Promise<Located | null> {
    const role = await this.#config.role(credential.role);
    if (role) return { dbName: role.dbName, role };
    const recorded = credential.internal.db_name;
    if (typeof recorded === "string") return { dbName: recorded, role: null };
    for (const name of await this.#config.connections()) {
      const { admin } = await this.#admin(name);
      const state = await loginRoleState(admin, credential.credentialId);
      if (state?.marker && state.marker.lease_id === credential.leaseId) return { dbName: state.marker.db_name, role: null };
    }
    return null;
  }

  async state(credential: LeasedCredential): Promise<CredentialState | null> {
    const located = await this.#locate(credential);
    if (!located) return null;
    const { admin } = await this.#admin(located.dbName);
    const state = await loginRoleState(admin, credential.credentialId);
    if (!state) return null;
    return { issueTime: credential.issueTime ?? issueTimeOf(credential.credentialId), expireTime: state.validUntil };
  }

  async renew(credential: LeasedCredential, increment: number, now: number): Promise<RenewedCredential> {
    const role = await this.#config.role(credential.role);
    if (!role) throw new SecretsError("config", `error during renew: could not find role with name ${JSON.stringify(credential.role)}`);
    const issueTime = credential.issueTime ?? issueTimeOf(credential.credentialId);
    if (issueTime === null) throw new SecretsError("usage", "lease not found");
    const { ttl, warnings } = leaseTtl({ increment, defaultTtl: role.defaultTtl, maxTtl: role.maxTtl, issueTime, now });
    const { admin } = await this.#admin(role.dbName);
    if (!(await renewLoginRole(admin, { username: credential.credentialId, expiration: now + ttl, statements: role.renewStatements }))) {
      throw new SecretsError("usage", "lease not found");
    }
    return { ttl, warnings };
  }

  async revoke(credential: LeasedCredential): Promise<void> {
    const located = await this.#locate(credential);
    if (!located) return;
    const { admin } = await this.#admin(located.dbName);
    const statements = located.role ? located.role.revocationStatements : stringsOf(credential.internal.revocation_statements);
    const group = located.role ? located.role.groupRole : typeof credential.internal.group_role === "string" ? credential.internal.group_role : null;
    await dropLoginRole(admin, { username: credential.credentialId, statements, reassignTo: group });
  }

  async tidy(): Promise<EngineTidyReport> {
    const report: EngineTidyReport = { reaped: [], failures: [] };
    const names = await this.#config.connections();
    for (const name of names) {
      let admin: PgAdmin;
      let expired: Awaited<ReturnType<typeof expiredLoginRoles>>;
      try {
        admin = (await this.#admin(name)).admin;
        expired = await expiredLoginRoles(admin);
      } catch (e) {
        if (!(e instanceof SecretsError)) throw e;
        report.failures.push(e.message);
        continue;
      }
      for (const { username, marker } of expired) {
        // Roles are the cluster's; each is dropped through the connection it was made with, so that
        // DROP OWNED runs in its database (or through any, when that connection is no longer configured).
        if (marker.db_name !== name && names.includes(marker.db_name)) continue;
        try {
          const role = await this.#roleOfMarker(marker.lease_id);
          await dropLoginRole(admin, { username, statements: role?.revocationStatements ?? [], reassignTo: role?.groupRole ?? null });
          report.reaped.push(marker.lease_id);
        } catch (e) {
          if (!(e instanceof SecretsError)) throw e;
          report.failures.push(e.message);
        }
      }
    }
    return report;
  }

  /** The role configuration a marked role was made under, when it is this mount's and still there. */
  async #roleOfMarker(leaseId: string): Promise<DatabaseRole | null> {
    try {
      const parts = parseLeaseId(leaseId);
      return parts.mount === this.mount ? await this.#config.role(parts.role) : null;
    } catch (e) {
      if (e instanceof SecretsError) return null;
      throw e;
    }
  }

  async close(): Promise<void> {
    const admins = [...this.#admins.values()];
    this.#admins.clear();
    await Promise.all(admins.map((a) => a.admin.close()));
  }
}
