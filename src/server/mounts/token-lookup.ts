/**
 * What `auth/token/lookup`, `lookup-self` and `lookup-accessor` answer for a token
 * (internal/vault/token_store.go handleLookup): `creation_time`, `creation_ttl`, `ttl`,
 * `explicit_max_ttl` and `last_renewal_time` as integer seconds (node-vault-client computes expiry
 * from them), `expire_time`, `issue_time` and `last_renewal` as RFC 3339 times, `meta` null when
 * empty (Go's nil map), `orphan` when it has no parent, `path` the endpoint that made it.
 *
 * The lease fields (`issue_time`, `renewable`, `expire_time`, `ttl`, the renewal times) come from
 * the token's lease (FetchLeaseTimesByToken). The initial root token has none, as Vault's: no
 * `issue_time` or `renewable`, `expire_time` null, `ttl` 0. A token that never expires has a lease
 * without an expiry: `renewable: false`, `expire_time` null, `ttl` 0.
 */
import type { TokenInfo } from "../../auth/tokens/authority.js";
import type { TokenDetails } from "../../auth/tokens/store.js";
import { rfc3339Nano } from "../../audit-log/index.js";
import { ROOT_TOKEN_PATH } from "../root-token.js";

/** A token as a lookup describes it: a store's details, or (for a token only an extra authority knows) what the request resolved. */
export type LookupSubject = TokenInfo & Partial<Omit<TokenDetails, keyof TokenInfo>>;

const time = (seconds: number): string => rfc3339Nano(new Date(seconds * 1000));

/** The lookup's `data` for `t`; `id` is the token looked up ("" for a lookup by accessor, as Vault blanks it). */
export function tokenLookupData(id: string, t: LookupSubject, now: number): Record<string, unknown> {
  const path = t.path ?? "auth/token/create";
  const data: Record<string, unknown> = {
    accessor: t.accessor,
    creation_time: t.creationTime,
    creation_ttl: t.creationTtl,
    display_name: t.displayName,
    entity_id: "",
    expire_time: null,
    explicit_max_ttl: t.explicitMaxTtl ?? 0,
    id,
    meta: Object.keys(t.meta).length > 0 ? { ...t.meta } : null,
    num_uses: 0,
    orphan: (t.parentAccessor ?? null) === null,
    path,
    policies: [...t.policies],
    ttl: 0,
    type: "service",
  };
  if (path === ROOT_TOKEN_PATH) return data;
  data.issue_time = time(t.creationTime);
  data.renewable = t.expireTime !== null && t.renewable;
  if (t.expireTime !== null) {
    data.expire_time = time(t.expireTime);
    data.ttl = Math.max(0, t.expireTime - now);
  }
  if (t.lastRenewalTime !== undefined && t.lastRenewalTime !== null) {
    data.last_renewal_time = t.lastRenewalTime;
    data.last_renewal = time(t.lastRenewalTime);
  }
  return data;
}
