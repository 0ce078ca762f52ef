/**
 * Vault's JWT auth method as one of the server's mounts (`auth/<path>/`, type `jwt`), over the
 * library in src/auth/jwt/: the configuration and roles are repository files (files.ts), read at
 * each request; a write is a commit (commit-config.ts); a login issues a runtime token.
 *
 * | path | operations | answer (vault-plugin-auth-jwt) |
 * |---|---|---|
 * | `login` | create/update, **no token** (PathsSpecial.Unauthenticated) | 200, `auth` block: a token for the role |
 * | `config` | read; create/update (replaces it) | 200 data / 404 `{"errors":[]}`; 204 |
 * | `role`, `role/` | list | 200 `keys` / 404 `{"errors":[]}` |
 * | `role/<name>` | read; create/update (existence check); delete | 200 data / 404; 204, or 200 with warnings; 204 |
 *
 * Errors Vault answers with `logical.ErrorResponse` are 400 with the message as it is; another
 * operation on a known path is 405, an unknown path 404 `unsupported path`.
 */
import { isSecretsError } from "../../errors.js";
import {
  checkConfigReachable,
  configFileText,
  configFromRequest,
  configReadData,
  ignoredFieldsWarning,
  JwtKeySets,
  JwtMountFiles,
  jwtLogin,
  loginToken,
  parseConfigFile,
  parseRoleFile,
  rawFields,
  ROLE_FIELDS,
  ROLE_NAME,
  roleFileText,
  roleFromRequest,
  roleReadData,
  type HttpGetter,
} from "../../auth/jwt/index.js";
import type { OrphanTokenRequest } from "../../auth/tokens/runtime-store.js";
import type { TokenDetails } from "../../auth/tokens/store.js";
import { auditAuthOf, authBlock, issuedAuth } from "../auth-block.js";
import { commitConfig } from "../config/commit-config.js";
import { envelope } from "../envelope.js";
import type { KvWriteContext } from "../kv/write-context.js";
import { errorReply, type Reply } from "../reply.js";
import { multiError, UNSUPPORTED_OPERATION, UNSUPPORTED_PATH } from "../vault-errors.js";
import { envelopeJson } from "../vault-json.js";
import type { LogicalRequest, Mount } from "./mount.js";

export const JWT_MOUNT_TYPE = "jwt";

/** What a JWT mount needs of the server. */
export interface JwtMountDeps {
  /** The mount point, `auth/<path>/`. */
  readonly point: string;
  readonly repoTop: string;
  /** The server's one write context (commit queue and locks). */
  readonly writes: KvWriteContext;
  /** Where a login's token is issued: the runtime token store. */
  readonly tokens: { issueOrphan(request: OrphanTokenRequest, now: number): Promise<{ token: string; info: TokenDetails }> };
  /** The network, for JWKS and discovery documents. */
  readonly get: HttpGetter;
  /** Milliseconds now (the tokens' time checks); default Date.now. */
  readonly clock?: () => number;
}

const NOT_FOUND = errorReply(404);
const NO_CONTENT: Reply = { status: 204 };
const unsupported = (): Reply => errorReply(405, multiError(UNSUPPORTED_OPERATION));
const isWrite = (op: string): boolean => op === "create" || op === "update";

/** A `usage` error as the plugin's 400 (the message as it is); a `generic` one as Vault's 500 for an error the backend returns. */
async function asVaultError(run: () => Promise<Reply>): Promise<Reply> {
  try {
    return await run();
  } catch (e) {
    if (isSecretsError(e) && e.kind === "usage") return errorReply(400, e.message);
    if (isSecretsError(e) && e.kind === "generic") return errorReply(500, multiError(e.message));
    throw e;
  }
}

export function jwtAuthMount(deps: JwtMountDeps): Mount {
  const mountPath = deps.point.slice("auth/".length);
  const files = new JwtMountFiles(deps.repoTop, mountPath);
  const keys = new JwtKeySets(deps.get);
  const clock = deps.clock ?? Date.now;
  const title = (sub: string): string => `${deps.point}${sub}`;

  const ok = (req: LogicalRequest, data: Record<string, unknown> | null, warnings: string[] | null = null): Reply => ({
    status: 200,
    body: envelopeJson({ ...envelope(req.id, JWT_MOUNT_TYPE, data, warnings) }),
    ...(data ? { auditData: data as Reply["auditData"] } : {}),
    ...(warnings ? { warnings } : {}),
  });

  async function login(req: LogicalRequest): Promise<Reply> {
    const result = await jwtLogin(req.body, { config: await files.config(), role: (name) => files.role(name), keys, now: clock() });
    const t = loginToken(result, mountPath);
    const issued = await deps.tokens.issueOrphan(
      // Vault's `path` of a login token: what revokes it with its method (sys-auth.ts disable).
      { displayName: t.displayName, policies: t.policies, noDefaultPolicy: t.noDefaultPolicy, ttl: t.ttl, explicitMaxTtl: t.explicitMaxTtl, renewable: true, meta: t.metadata, path: `${deps.point}login` },
      req.now,
    );
    const warnings = t.warnings.length ? t.warnings : null;
    return {
      status: 200,
      body: envelopeJson({ ...envelope(req.id, JWT_MOUNT_TYPE, null, warnings, authBlock(issuedAuth(issued.token, issued.info))) }),
      auditAuth: auditAuthOf(issuedAuth(issued.token, issued.info)),
      ...(warnings ? { warnings } : {}),
    };
  }

  async function writeConfig(req: LogicalRequest): Promise<Reply> {
    // The network checks run before the file's lock is taken (they may take seconds); the write
    // under the lock replaces the whole configuration, as Vault's does.
    const checked = configFromRequest(req.body, await files.config());
    await checkConfigReachable(checked, deps.get);
    const path = files.configPath();
    await commitConfig(
      deps.writes,
      [path],
      (current) => {
        const text = current.get(path) ?? null;
        const config = configFromRequest(req.body, text === null ? null : parseConfigFile(text, path));
        return [{ path, text: configFileText(config, deps.point) }];
      },
      `${title("config")}: written through the API`,
      req.author,
    );
    return NO_CONTENT;
  }

  async function writeRole(req: LogicalRequest, name: string): Promise<Reply> {
    const path = files.rolePath(name);
    let warnings: string[] = [];
    await commitConfig(
      deps.writes,
      [path],
      (current) => {
        const text = current.get(path) ?? null;
        const existing = text === null ? null : parseRoleFile(text, path);
        const made = roleFromRequest(req.body, existing, req.operation === "create" ? "create" : "update");
        warnings = made.warnings;
        return [{ path, text: roleFileText(made.role, title(`role/${name}`)) }];
      },
      `${title(`role/${name}`)}: written through the API`,
      req.author,
    );
    // framework backend.go: the unrecognized-parameters warning rides on a response that exists.
    if (warnings.length === 0) return NO_CONTENT;
    const ignored = ignoredFieldsWarning(rawFields(req.body), ROLE_FIELDS);
    const all = ignored ? [...warnings, ignored] : warnings;
    return ok(req, null, all);
  }

  async function deleteRole(req: LogicalRequest, name: string): Promise<Reply> {
    const path = files.rolePath(name);
    await commitConfig(deps.writes, [path], () => [{ path, text: null }], `${title(`role/${name}`)}: deleted through the API`, req.author);
    return NO_CONTENT;
  }

  async function role(req: LogicalRequest, name: string): Promise<Reply> {
    if (req.operation === "read") {
      const r = await files.role(name);
      return r ? ok(req, roleReadData(r)) : NOT_FOUND;
    }
    if (isWrite(req.operation)) return writeRole(req, name);
    if (req.operation === "delete") return deleteRole(req, name);
    return unsupported();
  }

  return {
    point: deps.point,
    type: JWT_MOUNT_TYPE,
    unauthenticated: (path) => path === "login",
    async exists(path) {
      // path_role.go has an existence check; the other paths have none, so their writes stay `update`.
      const m = /^role\/(.+)$/.exec(path);
      if (!m) return true;
      const name = m[1]!.toLowerCase();
      return ROLE_NAME.test(name) ? (await files.role(name)) !== null : true;
    },
    handle(req) {
      return asVaultError(async () => {
        const p = req.path;
        if (p === "login") return isWrite(req.operation) ? login(req) : unsupported();
        if (p === "config") {
          if (req.operation === "read") {
            const config = await files.config();
            return config ? ok(req, configReadData(config)) : NOT_FOUND;
          }
          return isWrite(req.operation) ? writeConfig(req) : unsupported();
        }
        if (p === "role" || p === "role/") {
          if (req.operation !== "list") return unsupported();
          const names = await files.roleNames();
          return names.length ? ok(req, { keys: names }) : NOT_FOUND;
        }
        const m = /^role\/(.+)$/.exec(p);
        if (m && ROLE_NAME.test(m[1]!)) return role(req, m[1]!.toLowerCase());
        return errorReply(404, multiError(UNSUPPORTED_PATH));
      });
    },
  };
}
