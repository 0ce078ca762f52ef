/**
 * A newly issued token as Vault reports it: the response's `auth` block (envelope.ts VaultAuth,
 * what a client reads its `client_token` from) and the same token for the audit log, where the
 * token and its accessor are HMAC'd. One builder for every route that issues a token (a login; a
 * child token), from what the token store returned.
 */
import type { AuditAuthInput } from "../audit-log/index.js";
import type { TokenInfo } from "../auth/tokens/authority.js";
import type { TokenDetails } from "../auth/tokens/store.js";
import { GoMap } from "../util/go-json.js";
import type { VaultAuth } from "./envelope.js";

/** The TTL the token was given, seconds (Vault's `lease_duration`; 0 for one that never expires). */
function leaseDuration(info: TokenDetails, now: number): number {
  return info.expireTime === null ? 0 : Math.max(0, info.expireTime - now);
}

/**
 * The `auth` block for `token` (returned once, here, to the client that asked for it): policies
 * as token policies too (no identity policies here), metadata as a Go map, `entity_id` empty (no
 * identity store), a service token, `orphan` when it has no parent.
 */
export function authBlock(token: string, info: TokenDetails, now: number): VaultAuth {
  return {
    client_token: token,
    accessor: info.accessor,
    policies: [...info.policies],
    token_policies: [...info.policies],
    metadata: Object.keys(info.meta).length ? GoMap.from({ ...info.meta }) : null,
    lease_duration: leaseDuration(info, now),
    renewable: info.renewable,
    entity_id: "",
    token_type: "service",
    orphan: info.parentAccessor === null,
    mfa_requirement: null,
    num_uses: 0,
  };
}

/** A token as the audit log's `auth` describes it (audit/entry_formatter.go); the token and accessor are HMAC'd there. */
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

/** The issued token for the audit log's response (from resp.Auth), with the TTL it was given. */
export function auditAuthFor(token: string, info: TokenDetails, now: number): AuditAuthInput {
  return { ...tokenAuditAuth(token, info), ttlSeconds: leaseDuration(info, now) };
}
