/**
 * What the token stores answer beyond `TokenAuthority`: the rest of what Vault's
 * `auth/token/lookup` returns (internal/vault/token_store.go handleLookup), and lookups by
 * accessor (`lookup-accessor`, `revoke-accessor`, and a child token's check of its parent).
 */
import type { TokenAuthority, TokenInfo } from "./authority.js";

/** A live token as a store describes it. Never holds the token or its hash. */
export interface TokenDetails extends TokenInfo {
  /** The repository token's name (the key in the token file); null for a runtime token. */
  name: string | null;
  /** `last_renewal_time`, Unix seconds, or null before the first renewal (node-vault-client counts expiry from it). */
  lastRenewalTime: number | null;
  /** `explicit_max_ttl`, seconds; 0 for none. */
  explicitMaxTtl: number;
  /** The TTL the token was last given (at creation or its last renewal): what a renewal without increment extends by. */
  currentTtl: number;
  /** The parent's accessor; null for an orphan (Vault's `orphan: true`). */
  parentAccessor: string | null;
  /** The path that created it (Vault's `path`): `auth/token/create`, `auth/token/create-orphan`, `auth/jwt/login`, `auth/token/root`. */
  path: string;
}

export interface TokenStore extends TokenAuthority {
  lookup(token: string, now: number): Promise<TokenDetails | null>;
  /** The live token with this accessor, or null (unknown, revoked, expired, or its parent is gone). */
  lookupAccessor(accessor: string, now: number): Promise<TokenDetails | null>;
}

/** Seconds left to live at `now` (Vault's `ttl` in a lookup): 0 for a token that never expires. */
export function ttlLeft(info: TokenInfo, now: number): number {
  return info.expireTime === null ? 0 : Math.max(0, info.expireTime - now);
}

/** Whether a token that expires at `expireTime` is still live at `now` (it dies at that second). */
export function liveAt(expireTime: number | null, now: number): boolean {
  return expireTime === null || now < expireTime;
}
