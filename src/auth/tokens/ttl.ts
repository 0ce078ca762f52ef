/**
 * Token lifetimes as Vault computes them (sdk/framework/lease.go CalculateTTL, used by
 * internal/vault/token_store.go handleCreateCommon at creation and by expiration.go RenewToken at
 * renewal). All in whole seconds, as Vault truncates them.
 *
 * The system's `default_lease_ttl` and `max_lease_ttl` are Vault's defaults, 768h (32 days) each
 * (Vault's server configuration docs); there is no mount tuning here.
 */
import { SecretsError } from "../../errors.js";
import { humanDuration } from "../../util/go-duration.js";

/** Vault's default `default_lease_ttl` and `max_lease_ttl`: 768h. */
export const SYSTEM_DEFAULT_TTL = 768 * 3600;
export const SYSTEM_MAX_TTL = 768 * 3600;

/** The effective cap: the system maximum, or a smaller `explicit_max_ttl`. */
function maxTtl(explicitMaxTtl: number): number {
  return explicitMaxTtl > 0 && explicitMaxTtl < SYSTEM_MAX_TTL ? explicitMaxTtl : SYSTEM_MAX_TTL;
}

export interface CreationTtlInput {
  /** `ttl` asked for, seconds (0: none given). */
  ttl: number;
  /** `explicit_max_ttl`, seconds (0: none). */
  explicitMaxTtl: number;
  /** Whether the new token has the `root` policy: only a root token may live for ever. */
  root: boolean;
  /** Whether the parent expires (a `ttl` other than 0). */
  parentExpires: boolean;
}

/**
 * The new token's TTL in seconds (0: it never expires; then it is not renewable). A non-root
 * token always expires: with no `ttl` it gets the default, capped at the maximum. A root token
 * with neither `ttl` nor `explicit_max_ttl` never expires, which an expiring parent may not grant
 * (`expiring root tokens cannot create non-expiring root tokens`, kind `usage`).
 */
export function creationTtl(input: CreationTtlInput): number {
  let ttl = input.ttl;
  if (ttl > 0 || !input.root) ttl = Math.min(ttl > 0 ? ttl : SYSTEM_DEFAULT_TTL, maxTtl(input.explicitMaxTtl));
  if (ttl === 0 && input.explicitMaxTtl > 0) ttl = input.explicitMaxTtl;
  if (ttl === 0 && input.parentExpires) throw new SecretsError("usage", "expiring root tokens cannot create non-expiring root tokens");
  return ttl;
}

export interface RenewalTtlInput {
  /** `increment` asked for, seconds (0 or absent in the request: none). */
  increment: number;
  /** The TTL the token was last given (at creation or the last renewal). */
  currentTtl: number;
  explicitMaxTtl: number;
  /** `issue_time`, Unix seconds: the maximum counts from here. */
  issueTime: number;
  now: number;
}

/**
 * The renewed TTL: the increment, else the token's last TTL, else the default; capped so that the
 * token never outlives issue time + max TTL. Past that point: `past the max TTL, cannot renew`
 * (kind `usage`). The caller checks `renewable` first (`lease is not renewable`).
 */
export function renewalTtl(input: RenewalTtlInput): number {
  const wanted = input.increment > 0 ? input.increment : input.currentTtl > 0 ? input.currentTtl : SYSTEM_DEFAULT_TTL;
  const left = input.issueTime + maxTtl(input.explicitMaxTtl) - input.now;
  if (left <= 0) throw new SecretsError("usage", "past the max TTL, cannot renew");
  return Math.min(wanted, left);
}

/**
 * CalculateTTL's warning when the TTL asked for (or the default) was cut to what the maximum
 * leaves: `TTL of "2h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly`.
 * Null when nothing was cut.
 */
export function ttlCappedWarning(wanted: number, given: number): string | null {
  return given < wanted ? `TTL of ${JSON.stringify(humanDuration(wanted))} exceeded the effective max_ttl of ${JSON.stringify(humanDuration(given))}; TTL value is capped accordingly` : null;
}
