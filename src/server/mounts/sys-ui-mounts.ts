/**
 * The mount lookups the Vault UI and the `vault` CLI make before anything else, answered without
 * the ACL (the system backend's Unauthenticated paths) but filtered by the token the request
 * carries, as vault/logical_system.go does:
 *
 * - `GET sys/internal/ui/mounts` (pathInternalUIMountsRead): `{secret: {path/: info}, auth:
 *   {path/: info}}` with the mounts the token has any capability on (hasMountAccess: on the mount
 *   path, below it, or by a glob that reaches it: acl.ts mountAccess). Without a token, only
 *   mounts whose `listing_visibility` is `unauth` — this server has none, so both maps are empty;
 * - `GET sys/internal/ui/mounts/<path>` (pathInternalUIMountRead): the `vault kv` preflight
 *   (command/kv_helpers.go kvPreflightVersionRequest reads `path` and `options.version`; on a 404
 *   it falls back to KV version 1 paths). The mount that answers the path, with its `path`. No
 *   mount, or a token without access to it: 403 `preflight capability check returned 403, …` (the
 *   same answer for both, so that the endpoint cannot be used to find mounts). No token: 403
 *   `permission denied`; an unknown token: 403 with `invalid token` too.
 * - `GET sys/mounts-all/<path>`: the same preflight. Neither OpenBao nor the Vault server sources
 *   at hand serve this path (they answer 404, which makes the CLI fall back to KV version 1), but
 *   a revision of Vault's command/kv_helpers.go sends its preflight there; answering it as
 *   `internal/ui/mounts/<path>` makes that CLI find KV version 2 too.
 * The bodies are plain envelopes (these paths are not among those whose data Vault copies up).
 */
import type { Acl } from "../../auth/policy/index.js";
import type { TokenAuthority } from "../../auth/tokens/authority.js";
import type { RepositoryMountTable } from "../config/mount-table.js";
import { envelope } from "../envelope.js";
import type { RepositoryPolicies } from "../policies.js";
import { errorReply, type Reply } from "../reply.js";
import { INVALID_TOKEN, INVALID_TOKEN_BODY, MISSING_TOKEN_BODY, multiError, UNSUPPORTED_OPERATION } from "../vault-errors.js";
import { envelopeJson } from "../vault-json.js";
import { PERMISSION_DENIED } from "../../auth/policy/index.js";
import type { LogicalRequest } from "./mount.js";
import { matchingRecord, mountInfo, mountRecords, tablePath } from "./mount-info.js";
import { SYSTEM_MOUNT_TYPE, type SysRoute } from "./sys-mount.js";

export interface UiMountsRouteDeps {
  readonly mounts: () => RepositoryMountTable;
  /** Who a token is: these routes look it up themselves, since the pipeline does not for an unauthenticated path. */
  readonly tokens: TokenAuthority;
  readonly policies: RepositoryPolicies;
}

const unsupported = (): Reply => errorReply(405, multiError(UNSUPPORTED_OPERATION));

function ok(req: LogicalRequest, data: Record<string, unknown>): Reply {
  return { status: 200, body: envelopeJson({ ...envelope(req.id, SYSTEM_MOUNT_TYPE, data) }), auditData: data as Reply["auditData"] };
}

/** The token's ACL; null without a token; Vault's 403 for a token it does not know (fetchACLTokenEntryAndEntity). */
async function aclOf(deps: UiMountsRouteDeps, req: LogicalRequest): Promise<Acl | null | Reply> {
  if (!req.token) return null;
  const info = await deps.tokens.lookup(req.token, req.now);
  if (!info) return { status: 403, body: INVALID_TOKEN_BODY, auditError: multiError(PERMISSION_DENIED, INVALID_TOKEN) };
  return deps.policies.acl(info.policies);
}

export function uiMountsRoutes(deps: UiMountsRouteDeps): SysRoute[] {
  const preflight = (req: LogicalRequest, m: RegExpExecArray): Promise<Reply> => (req.operation === "read" ? readMount(deps, req, m[1]!) : Promise.resolve(unsupported()));
  return [
    { pattern: /^internal\/ui\/mounts\/?$/, unauthenticated: true, handle: (req) => (req.operation === "read" ? listMounts(deps, req) : Promise.resolve(unsupported())) },
    { pattern: /^internal\/ui\/mounts\/(.+?)\/?$/, unauthenticated: true, handle: preflight },
    { pattern: /^mounts-all\/(.+?)\/?$/, unauthenticated: true, handle: preflight },
  ];
}

async function listMounts(deps: UiMountsRouteDeps, req: LogicalRequest): Promise<Reply> {
  const acl = await aclOf(deps, req);
  if (acl !== null && "status" in acl) return acl;
  const secret: Record<string, unknown> = {};
  const auth: Record<string, unknown> = {};
  if (acl !== null) {
    for (const r of await mountRecords(deps.mounts())) {
      if (acl.mountAccess(r.point)) (r.table === "auth" ? auth : secret)[tablePath(r)] = mountInfo(r);
    }
  }
  return ok(req, { auth, secret });
}

async function readMount(deps: UiMountsRouteDeps, req: LogicalRequest, raw: string): Promise<Reply> {
  const acl = await aclOf(deps, req);
  if (acl === null) return { status: 403, body: MISSING_TOKEN_BODY, auditError: PERMISSION_DENIED };
  if ("status" in acl) return acl;
  const path = `${raw.replace(/^\/+/, "")}/`;
  const refused = errorReply(403, `preflight capability check returned 403, please ensure client's policies grant access to path ${JSON.stringify(path)}`);
  const record = matchingRecord(await mountRecords(deps.mounts()), path);
  if (!record || !acl.mountAccess(record.point)) return refused;
  return ok(req, { ...mountInfo(record), path: tablePath(record) });
}
