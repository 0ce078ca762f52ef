/**
 * What the server asks of token storage: resolve the token a request carries (`X-Vault-Token`, or
 * `Authorization: Bearer`) to who it is and what it may do. Implemented by the repository's token
 * file (tokens created with `secrets token create`, reviewed by pull request) and by the state
 * directory (tokens issued at run time: child tokens, logins). A token is never kept in clear: only a
 * hash of it is stored, and `TokenInfo` never holds the token itself.
 */

/** A token as Vault's `auth/token/lookup-self` describes it (field meanings as there). */
export interface TokenInfo {
  /** The token's accessor: names it in lookups, revocations and the audit log without being usable. */
  accessor: string;
  /** `display_name`: the name given at creation (`token-<name>` as Vault prefixes it). */
  displayName: string;
  /** Policy names, sorted, `default` included unless created without it. */
  policies: string[];
  /** When it was created, in Unix seconds (Vault's `creation_time` is an integer: clients compute expiry from it). */
  creationTime: number;
  /** Unix seconds of expiry, or null for a token that does not expire (root). */
  expireTime: number | null;
  /** Seconds to live it was created with (`creation_ttl`); 0 for none. */
  creationTtl: number;
  /** Whether `renew-self` may extend it. */
  renewable: boolean;
  /** Where it lives: `repository` (reviewed in git) or `runtime` (issued by the server). */
  origin: "repository" | "runtime";
  /** Free-form string metadata (`meta`). */
  meta: Record<string, string>;
}

export interface TokenAuthority {
  /**
   * The live token's info, or null when the token is unknown, revoked or expired at `now` (Unix
   * seconds). Comparing the presented token with stored hashes takes the same time whatever matches.
   */
  lookup(token: string, now: number): Promise<TokenInfo | null>;
}
