/**
 * The `auth` block of a response that issues or renews a token (`auth/token/create`, `renew`, a
 * login): sdk/logical/translate_response.go HTTPAuth, field for field and in its order —
 * `client_token`, `accessor`, `policies`, `token_policies` (omitted when empty), `identity_policies`
 * (omitted when empty: there are no identity entities here), `metadata` (a Go map: null when the
 * token has none), `lease_duration` (the TTL in seconds), `renewable`, `entity_id` (""),
 * `token_type` (`service`), `orphan`, `mfa_requirement` (null), `num_uses` (0).
 *
 * The same block goes to the audit log's `response.auth` (audit/entry_formatter.go), where the
 * token and its accessor are HMAC'd like every token (src/audit-log/format.ts).
 */
import type { AuditAuthInput } from "../audit-log/index.js";
import type { TokenInfo } from "../auth/tokens/authority.js";
import type { TokenDetails } from "../auth/tokens/store.js";
import { GoMap } from "../util/go-json.js";

/** What a response says of the token it issued or renewed. */
export interface IssuedAuth {
  /** The token; "" where Vault blanks it (`renew-accessor`). */
  readonly clientToken: string;
  readonly accessor: string;
  readonly displayName: string;
  /** Sanitized, sorted (the token's own: `token_policies`; with no identity policies, also `policies`). */
  readonly policies: readonly string[];
  readonly meta: Readonly<Record<string, string>>;
  /** Seconds: the lease's TTL (0 for a token that never expires). */
  readonly ttl: number;
  readonly renewable: boolean;
  readonly orphan: boolean;
}

/** The block as the envelope carries it (a struct: this order; `metadata` a map). */
export type VaultAuthBlock = Readonly<Record<string, unknown>>;

export function authBlock(a: IssuedAuth): VaultAuthBlock {
  return {
    client_token: a.clientToken,
    accessor: a.accessor,
    policies: [...a.policies],
    ...(a.policies.length > 0 ? { token_policies: [...a.policies] } : {}),
    metadata: Object.keys(a.meta).length > 0 ? GoMap.from({ ...a.meta }) : null,
    lease_duration: a.ttl,
    renewable: a.renewable,
    entity_id: "",
    token_type: "service",
    orphan: a.orphan,
    mfa_requirement: null,
    num_uses: 0,
  };
}

/** The block for the audit log's `response.auth`. */
export function auditAuthOf(a: IssuedAuth): AuditAuthInput {
  return {
    ...(a.clientToken !== "" ? { clientToken: a.clientToken } : {}),
    accessor: a.accessor,
    displayName: a.displayName,
    policies: a.policies,
    tokenPolicies: a.policies,
    metadata: a.meta,
    tokenType: "service",
    ttlSeconds: a.ttl,
  };
}

/** What a response says of `t`, a token a store just issued or renewed; `clientToken` "" where Vault blanks it. */
export function issuedAuth(clientToken: string, t: TokenDetails): IssuedAuth {
  return {
    clientToken,
    accessor: t.accessor,
    displayName: t.displayName,
    policies: t.policies,
    meta: t.meta,
    ttl: t.expireTime === null ? 0 : t.currentTtl,
    renewable: t.renewable,
    orphan: t.parentAccessor === null,
  };
}

/** The request's token as the audit log's `auth` describes it (audit/entry_formatter.go); the token and accessor are HMAC'd there. */
export function tokenAuditAuth(token: string | undefined, info: TokenInfo): AuditAuthInput {
  return {
    clientToken: token,
    accessor: info.accessor,
    displayName: info.displayName,
    policies: info.policies,
    tokenPolicies: info.policies,
    metadata: info.meta,
    tokenType: "service",
    issueTime: new Date(info.creationTime * 1000),
  };
}
