/**
 * The token mount (`auth/token/`): `lookup-self` (read, and update for a POST), as
 * vault/token_store.go handleLookup answers it for the request's own token. `creation_time` and
 * `ttl` are integer seconds (node-vault-client computes expiry from them); `expire_time` and
 * `issue_time` are RFC 3339 times, `meta` null when empty (Go's nil map). A token that never
 * expires (root) has no lease: no `issue_time`, `renewable` or `expire_time` value, as Vault's
 * dev-mode root token shows.
 */
import type { TokenInfo } from "../../auth/tokens/authority.js";
import { rfc3339Nano } from "../../audit-log/index.js";
import { envelope } from "../envelope.js";
import { errorReply, type Reply } from "../reply.js";
import { noHandlerForRoute } from "../vault-errors.js";
import type { Mount } from "./mount.js";
import { envelopeJson } from "../vault-json.js";

export const TOKEN_MOUNT_TYPE = "token";

/** The data of `auth/token/lookup-self` for `info`; `token` is the request's token (Vault's `id`). */
export function lookupSelfData(token: string, info: TokenInfo, now: number): Record<string, unknown> {
  const root = info.policies.includes("root") && info.expireTime === null;
  const data: Record<string, unknown> = {
    accessor: info.accessor,
    creation_time: info.creationTime,
    creation_ttl: info.creationTtl,
    display_name: info.displayName,
    entity_id: "",
    expire_time: null,
    explicit_max_ttl: 0,
    id: token,
    meta: Object.keys(info.meta).length > 0 ? { ...info.meta } : null,
    num_uses: 0,
    orphan: true,
    path: root ? "auth/token/root" : "auth/token/create",
    policies: [...info.policies],
    ttl: 0,
    type: "service",
  };
  if (info.expireTime !== null) {
    data.expire_time = rfc3339Nano(new Date(info.expireTime * 1000));
    data.ttl = Math.max(0, info.expireTime - now);
    data.issue_time = rfc3339Nano(new Date(info.creationTime * 1000));
    data.renewable = info.renewable;
  }
  return data;
}

export function handleLookupSelf(requestId: string, token: string, info: TokenInfo, now: number): Reply {
  const data = lookupSelfData(token, info, now);
  return { status: 200, body: envelopeJson({ ...envelope(requestId, TOKEN_MOUNT_TYPE, data) }), auditData: data as Reply["auditData"] };
}

/** The token store as one of the server's mounts (`auth/token/`). */
export function tokenMount(): Mount {
  return {
    point: "auth/token/",
    type: TOKEN_MOUNT_TYPE,
    handle(req) {
      if (req.path === "lookup-self" && (req.operation === "read" || req.operation === "update")) return Promise.resolve(handleLookupSelf(req.id, req.token!, req.info!, req.now));
      return Promise.resolve(errorReply(404, noHandlerForRoute(req.fullPath)));
    },
  };
}
