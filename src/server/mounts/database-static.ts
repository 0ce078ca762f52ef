/**
 * Vault's static roles on the server's `database` mount (builtin/logical/database path_roles.go,
 * path_creds_create.go, path_rotate_credentials.go), over the scheduled-rotation library:
 *
 * - `static-roles/:name` (create/update, read, delete) and `LIST static-roles`: the role is the
 *   plaintext file `.secrets/engines/<mount>/static-roles/<name>.yaml` (zod: DatabaseStaticRoleFile),
 *   each write or delete one commit authored by the token, as every configuration the API writes.
 *   Creating a role rotates its password at once, as Vault does (so the password Vault never saw
 *   is replaced); 204.
 * - `static-creds/:name` (read): `username`, `password`, `last_vault_rotation` (RFC 3339),
 *   `rotation_period`, `ttl` (seconds until the next rotation), no lease. A role whose period has
 *   run out is rotated before it answers (the server has no background schedule for these).
 * - `rotate-role/:name` (update): rotates now; 204.
 *
 * Where the current password lives: `.secrets/engines/<mount>/static-creds/<name>.yaml`, a sops
 * file (keys `username`, `password`; `rotated_at` in the password's metadata is
 * `last_vault_rotation`), encrypted by the `.sops.yaml` rule that matches it. A rotation is the
 * rotation runner's four steps (src/rotation/runner.ts) with the postgres generator, `single`
 * strategy: its pending value is held encrypted in the state directory
 * (`<state>/database-static/<mount>/rotation/`), and its finish is a commit of the creds file
 * through the server's commit queue. The password is in no error, commit message or audit line
 * (the response's data is HMAC'd like every string the audit log records).
 */
import path from "node:path";
import { promises as fsp } from "node:fs";
import { parse as parseYaml, stringify as stringifyYaml } from "yaml";
import { SecretsError } from "../../errors.js";
import { confinedPath } from "../../io/confine.js";
import { loadStore } from "../../files/format.js";
import { emitEncrypted, encryptNew } from "../../sops/document.js";
import { type Branch, fromPlain } from "../../sops/tree.js";
import { DatabaseStaticRoleFile, EngineObjectName } from "../../engines/postgres/schema.js";
import { engineFolder } from "../../engines/postgres/config-files.js";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { postgresGenerator } from "../../rotation/generators/postgres.js";
import { ROTATED_AT } from "../../rotation/inventory.js";
import { DEFAULT_RETRIES } from "../../rotation/policy.js";
import type { RotationPolicyRule } from "../../rotation/policy.js";
import { RotationRunner } from "../../rotation/runner.js";
import { parseIsoSeconds } from "../../rotation/schedule.js";
import { RotationStateStore } from "../../rotation/state.js";
import { parseWith } from "../../util/zod-error.js";
import type { Workspace } from "../../workspace/workspace.js";
import { commitConfig } from "../config/commit-config.js";
import { envelope } from "../envelope.js";
import { bodyFields } from "../framework-fields.js";
import type { KvWriteContext } from "../kv/write-context.js";
import { errorReply, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { envelopeJson } from "../vault-json.js";
import type { LogicalRequest } from "./mount.js";

export const STATIC_ROLES_FOLDER = "static-roles";
export const STATIC_CREDS_FOLDER = "static-creds";
/** Vault's minimum rotation period (defaultQueueTickSeconds … path_roles.go). */
const MIN_ROTATION_PERIOD = 5;

const NAME = String.raw`(\w(?:[\w.-]*\w)?)`;
const ROLE_PATH = new RegExp(`^static-roles/${NAME}$`);
const CREDS_PATH = new RegExp(`^static-creds/${NAME}$`);
const ROTATE_PATH = new RegExp(`^rotate-role/${NAME}$`);

export interface StaticRoleDeps {
  readonly repoTop: string;
  /** Whose identities open (and whose `.sops.yaml` encrypts) the creds files: the server's. */
  readonly workspace: Workspace;
  /** The server's writes: each role write and each rotation is a commit through its queue. */
  readonly writes: KvWriteContext;
  /** The server's state directory. */
  readonly stateDir: string;
}

/** Whether the static-role routes answer `p` (below the mount). */
export function isStaticRolePath(p: string): boolean {
  return p === "static-roles" || p === "static-roles/" || ROLE_PATH.test(p) || CREDS_PATH.test(p) || ROTATE_PATH.test(p);
}

function seconds(d: number | string): number {
  if (typeof d === "number") return d;
  const parsed = parseDurationSeconds(d);
  return "seconds" in parsed ? Math.floor(parsed.seconds) : 0;
}

function statementsOf(s: string | string[] | undefined): string[] {
  return s === undefined ? [] : typeof s === "string" ? [s] : s;
}

const unsupported = (): Reply => errorReply(405, multiError(UNSUPPORTED_OPERATION));

function dataReply(req: LogicalRequest, data: Record<string, unknown>, auditData: Record<string, string | number | boolean | null> = {}): Reply {
  return { status: 200, body: envelopeJson({ ...envelope(req.id, "database", data) }), auditData };
}

/** The static roles of one `database` mount. */
export class StaticRoles {
  readonly #deps: StaticRoleDeps;
  readonly #mount: string;
  readonly #folder: string;

  constructor(mount: string, deps: StaticRoleDeps) {
    this.#deps = deps;
    this.#mount = mount;
    this.#folder = engineFolder(deps.repoTop, mount);
  }

  #rel(abs: string): string {
    return path.relative(this.#deps.repoTop, abs).split(path.sep).join("/");
  }

  #roleFile(name: string): string {
    return path.join(this.#folder, STATIC_ROLES_FOLDER, `${name}.yaml`);
  }

  #credsRoot(): string {
    return path.join(this.#folder, STATIC_CREDS_FOLDER);
  }

  async role(name: string): Promise<DatabaseStaticRoleFile | null> {
    if (!EngineObjectName.safeParse(name).success) return null;
    const file = this.#roleFile(name);
    // A reviewed role must be a file of the repository: a link may not lead out of the engine's folder.
    if ((await fsp.lstat(file).catch(() => undefined))?.isSymbolicLink()) {
      confinedPath(this.#folder, file, { shown: this.#rel(file), rootName: `the engine folder ${this.#rel(this.#folder)}` });
    }
    let text: string;
    try {
      text = await fsp.readFile(file, "utf8");
    } catch (e) {
      if ((e as NodeJS.ErrnoException).code === "ENOENT") return null;
      throw new SecretsError("read-input", `could not read ${this.#rel(file)}`);
    }
    let raw: unknown;
    try {
      raw = parseYaml(text) ?? {};
    } catch {
      throw new SecretsError("config", `${this.#rel(file)} is not valid YAML`);
    }
    return parseWith(DatabaseStaticRoleFile, raw, ([issue]) => new SecretsError("config", `${this.#rel(file)}: ${issue.path.join(".") || "(top)"}: ${issue.message}`));
  }

  async names(): Promise<string[]> {
    const names = await fsp.readdir(path.join(this.#folder, STATIC_ROLES_FOLDER)).catch(() => [] as string[]);
    return names
      .map((n) => /^(.+)\.yaml$/.exec(n)?.[1])
      .filter((n): n is string => n !== undefined && EngineObjectName.safeParse(n).success)
      .sort();
  }

  /** The runner of one role's rotation: a one-rule policy over the mount's creds folder. */
  async #runner(name: string, role: DatabaseStaticRoleFile, author: LogicalRequest["author"]): Promise<RotationRunner> {
    const repo = await this.#deps.workspace.repository(this.#credsRoot());
    const keys = await this.#deps.workspace.keys();
    const store = new RotationStateStore(path.join(this.#deps.stateDir, "database-static", ...this.#mount.split("/")), keys);
    const generator = { type: "postgres" as const, mount: this.#mount, db_name: role.db_name, username: role.username };
    const rule: RotationPolicyRule = {
      index: 0,
      path: `${name}/password`,
      schedule: { kind: "every", seconds: seconds(role.rotation_period) },
      windowSeconds: 0,
      generator,
      strategy: "single",
      owner: `${this.#mount}/static-roles/${name}`,
      retries: DEFAULT_RETRIES,
      graceSeconds: 0,
    };
    const statements = statementsOf(role.rotation_statements);
    return new RotationRunner({
      repo,
      top: this.#deps.repoTop,
      rules: [rule],
      store,
      generatorFor: () => postgresGenerator(generator, { top: this.#deps.repoTop, workspace: this.#deps.workspace, strategy: "single", statements }),
      now: () => Math.floor(Date.now() / 1000),
      commit: (paths, message) => this.#deps.writes.commits.commit({ paths, message: `${this.#mount}/rotate-role/${name}: ${message}`, author, date: new Date(Math.floor(Date.now() / 1000) * 1000) }),
    });
  }

  /**
   * Rotates the role's password now (the runner's steps; a rotation left half-way by a crash is
   * resumed first). Throws kind `engine-failed` when the attempts ran out (the committed password kept).
   */
  async rotate(name: string, role: DatabaseStaticRoleFile, author: LogicalRequest["author"]): Promise<void> {
    await this.#ensureCredsFile(name, role, author);
    const runner = await this.#runner(name, role, author);
    // A stuck record is retried: a rotate-role request is a person asking again.
    const [outcome] = await runner.run({ paths: [`${name}/password`], reset: true });
    if (!outcome || outcome.action === "rotated" || outcome.action === "finished") return;
    if (outcome.action === "locked") throw new SecretsError("locked", `a rotation of static role ${name} is running`);
    throw new SecretsError("engine-failed", `failed to rotate the password of static role ${name}: ${outcome.message ?? outcome.action}`);
  }

  /**
   * The creds file the runner rotates must exist and be committed (the runner refuses a file with
   * uncommitted changes): a new role's starts with its username and an empty password, which the
   * rotation that follows replaces.
   */
  async #ensureCredsFile(name: string, role: DatabaseStaticRoleFile, author: LogicalRequest["author"]): Promise<void> {
    const repo = await this.#deps.workspace.repository(this.#credsRoot());
    const entry = await repo.readEntry(`${name}/username`).catch((e: unknown) => {
      if (e instanceof SecretsError && e.kind === "not-found") return null;
      throw e;
    });
    if (entry !== null && entry.value === role.username) return;
    // A new sops file, encrypted by the `.sops.yaml` rule of its path (as the server's KV writes are).
    const abs = path.join(this.#credsRoot(), `${name}.yaml`);
    const policy = this.#deps.writes.workspace;
    const creation = await policy.creationFor(abs);
    const branch = fromPlain({ username: role.username, password: "" }) as Branch;
    const out = await encryptNew([branch], creation.recipients, await policy.keys(), { encryptionRule: creation.encryptionRule, macOnlyEncrypted: creation.macOnlyEncrypted });
    const text = Buffer.from(emitEncrypted(await loadStore("yaml"), out, { indent: await policy.indentFor("yaml") })).toString("utf8");
    const rel = this.#rel(abs);
    await commitConfig(this.#deps.writes, [rel], () => [{ path: rel, text }], `${this.#mount}/static-roles/${name}: the credentials file for ${role.username}`, author);
  }

  /** The current credentials (rotating first when the period has run out). */
  async creds(name: string, role: DatabaseStaticRoleFile, author: LogicalRequest["author"], now: number): Promise<{ username: string; password: string; lastRotation: number; ttl: number }> {
    const period = seconds(role.rotation_period);
    let current = await this.#current(name);
    if (current === null || current.password === "" || current.username !== role.username || current.lastRotation + period <= now) {
      await this.rotate(name, role, author);
      current = await this.#current(name);
      if (current === null) throw new SecretsError("engine-failed", `static role ${name} has no credentials`);
    }
    const nowAfter = Math.max(now, Math.floor(Date.now() / 1000));
    return { ...current, ttl: Math.max(0, current.lastRotation + period - nowAfter) };
  }

  async #current(name: string): Promise<{ username: string; password: string; lastRotation: number } | null> {
    const repo = await this.#deps.workspace.repository(this.#credsRoot());
    const read = async (key: string) =>
      repo.readEntry(`${name}/${key}`).catch((e: unknown) => {
        if (e instanceof SecretsError && e.kind === "not-found") return null;
        throw e;
      });
    const [u, p] = [await read("username"), await read("password")];
    if (!u || !p || typeof u.value !== "string" || typeof p.value !== "string") return null;
    const rotated = parseIsoSeconds(p.metadata?.[ROTATED_AT]) ?? 0;
    return { username: u.value, password: p.value, lastRotation: rotated };
  }

  async write(name: string, body: unknown, author: LogicalRequest["author"]): Promise<Reply> {
    const fields = bodyFields(body);
    const existing = await this.role(name);
    const merged: Record<string, unknown> = { ...(existing ?? {}) };
    for (const k of ["db_name", "username", "rotation_period", "rotation_statements", "credential_type"]) if (Object.hasOwn(fields, k)) merged[k] = fields[k];
    // Vault's messages for the required fields of a new static account.
    if (!existing) {
      if (typeof merged.db_name !== "string" || merged.db_name === "") return errorReply(400, "database name is required");
      if (typeof merged.username !== "string" || merged.username === "") return errorReply(400, "username is a required field to create a static account");
      if (merged.rotation_period === undefined) return errorReply(400, "rotation_period is required to create static accounts");
    } else if (Object.hasOwn(fields, "username") && fields.username !== existing.username) {
      return errorReply(400, "cannot update static account username");
    }
    if (typeof merged.rotation_period === "string" && /^\d+$/.test(merged.rotation_period)) merged.rotation_period = Number(merged.rotation_period);
    if (merged.credential_type === "") delete merged.credential_type;
    const role = parseWith(DatabaseStaticRoleFile, merged, ([issue]) => new SecretsError("usage", `${issue.path.join(".") || "(top)"}: ${issue.message}`));
    if (seconds(role.rotation_period) < MIN_ROTATION_PERIOD) return errorReply(400, `rotation_period must be ${MIN_ROTATION_PERIOD} seconds or more`);
    const rel = this.#rel(this.#roleFile(name));
    await commitConfig(this.#deps.writes, [rel], () => [{ path: rel, text: stringifyYaml(role) }], `${this.#mount}/static-roles/${name}: ${existing ? "update" : "create"} the static role of ${role.username}`, author);
    // Vault rotates a new static account's password at once.
    if (!existing) await this.rotate(name, role, author);
    return { status: 204 };
  }

  async delete(name: string, author: LogicalRequest["author"]): Promise<Reply> {
    const roleRel = this.#rel(this.#roleFile(name));
    const credsRel = this.#rel(path.join(this.#credsRoot(), `${name}.yaml`));
    await commitConfig(this.#deps.writes, [roleRel, credsRel], (current) => [...current.keys()].filter((p) => current.get(p) !== null).map((p) => ({ path: p, text: null })), `${this.#mount}/static-roles/${name}: delete`, author);
    return { status: 204 };
  }

  async handle(req: LogicalRequest): Promise<Reply> {
    const op = req.operation;
    const isWrite = op === "create" || op === "update";
    if (req.path === "static-roles" || req.path === "static-roles/") {
      if (op !== "list") return unsupported();
      const keys = await this.names();
      // A list with no keys is a 404 (sdk/logical/response_util.go).
      return keys.length ? dataReply(req, { keys }) : errorReply(404);
    }
    let m = ROLE_PATH.exec(req.path);
    if (m) {
      const name = m[1]!;
      if (isWrite) return this.write(name, req.body, req.author);
      if (op === "delete") return this.delete(name, req.author);
      if (op !== "read") return unsupported();
      const role = await this.role(name);
      if (!role) return errorReply(404);
      const current = await this.#current(name);
      const data: Record<string, unknown> = {
        credential_type: role.credential_type ?? "password",
        db_name: role.db_name,
        last_vault_rotation: current && current.lastRotation > 0 ? new Date(current.lastRotation * 1000).toISOString().replace(/\.000Z$/, "Z") : null,
        rotation_period: seconds(role.rotation_period),
        rotation_statements: statementsOf(role.rotation_statements),
        username: role.username,
      };
      return dataReply(req, data);
    }
    m = CREDS_PATH.exec(req.path);
    if (m) {
      const name = m[1]!;
      if (op !== "read") return unsupported();
      const role = await this.role(name);
      if (!role) return errorReply(400, `unknown role: ${name}`);
      const c = await this.creds(name, role, req.author, req.now);
      const data = {
        last_vault_rotation: new Date(c.lastRotation * 1000).toISOString().replace(/\.000Z$/, "Z"),
        password: c.password,
        rotation_period: seconds(role.rotation_period),
        ttl: c.ttl,
        username: c.username,
      };
      return dataReply(req, data, data);
    }
    m = ROTATE_PATH.exec(req.path);
    if (m) {
      const name = m[1]!;
      if (!isWrite) return unsupported();
      const role = await this.role(name);
      if (!role) return errorReply(400, "no static role found for role name");
      await this.rotate(name, role, req.author);
      return { status: 204 };
    }
    return unsupported();
  }
}
