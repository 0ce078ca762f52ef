/**
 * The `database` secrets engine as a server mount (Vault's `database/creds/:role`), a thin layer
 * over the server's one LeaseManager (src/leases/manager.ts): a GET or PUT on `creds/<role>`
 * issues a credential with the token's display name and answers Vault's envelope —
 * `lease_id` `<mount>/creds/<role>/<id>`, `lease_duration`, `renewable: true`, `data`
 * `{username, password}`, the TTL warning when capped. The password goes to the audit log as
 * response data, so it is HMAC'd there like every string of a response's data.
 *
 * The engine's connection and roles are the repository's files under
 * `.secrets/engines/<mount>/` (docs/dynamic-secrets.md); `database/config/*` and
 * `database/roles/*` are not served (they are reviewed files, not API state): 404 `unsupported path`.
 * Static roles (`static-roles/*`, `static-creds/*`, `rotate-role/*`) are database-static.ts's.
 */
import { SecretsError } from "../../errors.js";
import { engineFolder, RepositoryDatabaseConfig } from "../../engines/postgres/config-files.js";
import { DatabaseEngine } from "../../engines/postgres/engine.js";
import type { DynamicEngine, EngineResolver } from "../../engines/engine.js";
import type { LeaseManager } from "../../leases/manager.js";
import type { Workspace } from "../../workspace/workspace.js";
import { envelope } from "../envelope.js";
import { errorReply, requestErrorsAsResponses, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION, UNSUPPORTED_PATH } from "../vault-errors.js";
import { envelopeJson } from "../vault-json.js";
import type { KvWriteContext } from "../kv/write-context.js";
import { isStaticRolePath, StaticRoles } from "./database-static.js";
import type { Mount } from "./mount.js";

export const DATABASE_MOUNT_TYPE = "database";

/** `creds/<role>`: Vault's role names (framework.GenericNameRegex). */
const CREDS_PATTERN = /^creds\/(\w(?:[\w.-]*\w)?)$/;

/**
 * The dynamic engines of a server, by mount point (no slash): each declared `database` mount
 * registers its engine when the mount table builds it, so `sys/leases/*` find the engine a lease
 * id names. One instance per server (open.ts), not module state.
 */
export class ServerEngines implements EngineResolver {
  readonly #byMount = new Map<string, DynamicEngine>();

  /** The engine at `mount`, made once (its connection pool is kept across mount rebuilds). */
  ensure(mount: string, make: () => DynamicEngine): DynamicEngine {
    let engine = this.#byMount.get(mount);
    if (!engine) {
      engine = make();
      this.#byMount.set(mount, engine);
    }
    return engine;
  }

  engine(mount: string): DynamicEngine | undefined {
    return this.#byMount.get(mount);
  }

  engines(): readonly DynamicEngine[] {
    return [...this.#byMount.values()];
  }
}

export interface DatabaseMountDeps {
  readonly repoTop: string;
  /** Whose identities open the connection files (the server's). */
  readonly workspace: Workspace;
  readonly engines: ServerEngines;
  readonly leases: LeaseManager;
  /** The server's writes (static roles commit) and state directory (their rotations' records); without them no static-role route. */
  readonly writes?: KvWriteContext;
  readonly stateDir?: string;
}

/** The factory of `database` mounts (open.ts: `factories.secrets.database`). */
export function databaseFactory(deps: DatabaseMountDeps): (d: { point: string }) => Mount {
  return ({ point }) => {
    const name = point.slice(0, -1);
    deps.engines.ensure(name, () => new DatabaseEngine({ mount: name, config: new RepositoryDatabaseConfig({ folder: engineFolder(deps.repoTop, name), workspace: deps.workspace }) }));
    const statics = deps.writes && deps.stateDir ? new StaticRoles(name, { repoTop: deps.repoTop, workspace: deps.workspace, writes: deps.writes, stateDir: deps.stateDir }) : null;
    return databaseMount(point, deps.leases, statics);
  };
}

export function databaseMount(point: string, leases: LeaseManager, statics: StaticRoles | null = null): Mount {
  const name = point.slice(0, -1);
  return {
    point,
    type: DATABASE_MOUNT_TYPE,
    handle: (req) =>
      requestErrorsAsResponses(async (): Promise<Reply> => {
        if (statics && isStaticRolePath(req.path)) return statics.handle(req);
        const m = CREDS_PATTERN.exec(req.path);
        if (!m) return errorReply(404, multiError(UNSUPPORTED_PATH));
        // Vault's path-creds has a read operation only (pathCredsCreate: ReadOperation).
        if (req.operation !== "read") return errorReply(405, multiError(UNSUPPORTED_OPERATION));
        if (!req.info) throw new SecretsError("permission-denied", "permission denied");
        const issued = await leases.issue(`${name}/creds/${m[1]!}`, { displayName: req.info.displayName, now: req.now });
        const data = { username: issued.data.username ?? "", password: issued.data.password ?? "" };
        const warnings = issued.warnings.length ? issued.warnings : null;
        const body = { ...envelope(req.id, DATABASE_MOUNT_TYPE, data, warnings), lease_id: issued.lease_id, renewable: issued.renewable, lease_duration: issued.lease_duration };
        return { status: 200, body: envelopeJson(body), auditData: data, ...(warnings ? { warnings } : {}) };
      }),
  };
}
