/**
 * Where the database engine's configuration lives in the repository, and how it is read:
 *
 *     .secrets/engines/<mount>/config/<name>.yaml   the connection (sops-encrypted: the admin password)
 *     .secrets/engines/<mount>/roles/<role>.yaml    a role (plaintext, reviewed like code)
 *
 * as Vault's `database/config/:name` and `database/roles/:name`. `<mount>` is `database` unless the
 * server mounts the engine elsewhere. Both live under `.secrets/`, the tool's configuration folder,
 * not under the secrets root: the KV API (`secret/`) never serves the admin password and `secrets
 * run`/`export` never inject it.
 *
 * A connection file is read through the Workspace's SecretRepository of its folder, like any secret:
 * the same identities open it, and the file's recipients (set by the `.sops.yaml` rule that matches
 * `.secrets/engines/…`) are who can read the admin password. A file that is not encrypted is
 * refused. Both files are parsed again whenever they change (the repository's cache; roles are
 * small and read per use), so a merged pull request applies to the next request.
 */
import { promises as fsp } from "node:fs";
import { join } from "node:path";
import { parse as parseYaml } from "yaml";
import { SecretsError } from "../../errors.js";
import { toSecretValue } from "../../secrets/entries.js";
import { displayPath, soleFileFor } from "../../secrets/resolve.js";
import { Branch } from "../../sops/tree.js";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { parseWith } from "../../util/zod-error.js";
import type { Workspace } from "../../workspace/workspace.js";
import { soleRoleFile } from "../role-file.js";
import { DatabaseConnectionFile, DatabaseRoleFile, EngineObjectName } from "./schema.js";

/** The folder of an engine's files, relative to the top of the work tree. */
export function engineFolder(top: string, mount: string): string {
  return join(top, ".secrets", "engines", ...mount.split("/"));
}

export const CONNECTIONS_FOLDER = "config";
export const ROLES_FOLDER = "roles";

/** A role as the engine uses it: durations in seconds, statements as lists. */
export interface DatabaseRole {
  name: string;
  dbName: string;
  creationStatements: string[];
  revocationStatements: string[];
  renewStatements: string[];
  /** Seconds; 0: the system default (768h). */
  defaultTtl: number;
  /** Seconds; 0: the system maximum (768h). */
  maxTtl: number;
  groupRole: string | null;
}

/** A connection as the engine uses it. `password` is the admin's: it goes to the database and nowhere else. */
export interface DatabaseConnection {
  name: string;
  /** The file it came from, for messages. */
  file: string;
  connectionUrl: string;
  username: string;
  password: string;
  allowedRoles: string[];
  passwordAuthentication: "password" | "scram-sha-256";
  maxOpenConnections: number;
}

/** What the engine reads its configuration from (the repository here; a test or another store may give its own). */
export interface DatabaseConfigSource {
  /** The role, or null when no file configures it. Kind `config` when the file is invalid. */
  role(name: string): Promise<DatabaseRole | null>;
  /** The connection, or null when no file configures it. Kind `config` when invalid; the repository's kinds when it cannot be opened (`no-key`, `mac-mismatch`…). */
  connection(name: string): Promise<DatabaseConnection | null>;
  /** The names of every connection configured, sorted. */
  connections(): Promise<string[]>;
}

function statements(s: string | string[] | undefined): string[] {
  return s === undefined ? [] : typeof s === "string" ? [s] : s;
}

function seconds(d: number | string | undefined): number {
  if (d === undefined) return 0;
  if (typeof d === "number") return d;
  const parsed = parseDurationSeconds(d);
  return "seconds" in parsed ? Math.floor(parsed.seconds) : 0;
}

/** Vault's `allowed_roles`: a list, or a comma-separated string (TypeCommaStringSlice). */
function allowedRoles(v: string | string[] | undefined): string[] {
  const list = v === undefined ? [] : typeof v === "string" ? v.split(",") : v;
  return list.map((s) => s.trim()).filter((s) => s !== "");
}

export interface RepositoryDatabaseConfigOptions {
  /** The engine's folder (engineFolder()). */
  folder: string;
  /** Whose identities open the connection files. */
  workspace: Workspace;
}

export class RepositoryDatabaseConfig implements DatabaseConfigSource {
  readonly folder: string;
  readonly #workspace: Workspace;

  constructor(options: RepositoryDatabaseConfigOptions) {
    this.folder = options.folder;
    this.#workspace = options.workspace;
  }

  #checkName(name: string, what: string): void {
    if (!EngineObjectName.safeParse(name).success) throw new SecretsError("usage", `invalid ${what} name (letters, digits, '_', '-' and '.')`);
  }

  async role(name: string): Promise<DatabaseRole | null> {
    this.#checkName(name, "role");
    const file = await soleRoleFile(this.folder, join(this.folder, ROLES_FOLDER), name);
    if (file === null) return null;
    const shown = displayPath(file);
    let text: string;
    try {
      text = await fsp.readFile(file, "utf8");
    } catch {
      throw new SecretsError("read-input", `could not read ${shown}`);
    }
    let raw: unknown;
    try {
      raw = parseYaml(text) ?? {};
    } catch {
      throw new SecretsError("config", `${shown} is not valid YAML`);
    }
    const parsed = parseWith(DatabaseRoleFile, raw, ([issue]) => new SecretsError("config", `${shown}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
    return {
      name,
      dbName: parsed.db_name,
      creationStatements: statements(parsed.creation_statements),
      revocationStatements: statements(parsed.revocation_statements),
      renewStatements: statements(parsed.renew_statements),
      defaultTtl: seconds(parsed.default_ttl),
      maxTtl: seconds(parsed.max_ttl),
      groupRole: parsed.group_role ?? null,
    };
  }

  async connection(name: string): Promise<DatabaseConnection | null> {
    this.#checkName(name, "connection");
    const root = join(this.folder, CONNECTIONS_FOLDER);
    const file = soleFileFor(root, [name]);
    if (file === null) return null;
    const shown = displayPath(file);
    const repo = await this.#workspace.repository(root);
    const opened = await repo.openFile(file);
    const plain = toSecretValue(opened.doc.branches[0] ?? new Branch(), opened.doc.metadata.encryptionRule);
    // The messages name the field and zod's reason, never what the field holds (the password).
    const parsed = parseWith(DatabaseConnectionFile, plain, ([issue]) => new SecretsError("config", `${shown}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
    const username = parsed.username ?? "";
    const password = parsed.password ?? "";
    // sdk/database/helper/connutil/sql.go Init.
    if (/\{\{(?:username|password)\}\}/.test(username + "\n" + password)) {
      throw new SecretsError("config", `${shown}: username and/or password cannot contain the template variables`);
    }
    return {
      name,
      file: shown,
      connectionUrl: parsed.connection_url,
      username,
      password,
      allowedRoles: allowedRoles(parsed.allowed_roles),
      passwordAuthentication: parsed.password_authentication ?? "password",
      maxOpenConnections: parsed.max_open_connections ?? 4,
    };
  }

  async connections(): Promise<string[]> {
    let names: string[];
    try {
      names = await fsp.readdir(join(this.folder, CONNECTIONS_FOLDER));
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return [];
      throw new SecretsError("read-input", `could not read ${displayPath(join(this.folder, CONNECTIONS_FOLDER))}`);
    }
    const out = new Set<string>();
    for (const n of names) {
      const m = /^(.+)\.(?:yaml|yml|json)$/.exec(n);
      if (m && EngineObjectName.safeParse(m[1]).success) out.add(m[1]!);
    }
    return [...out].sort();
  }
}
