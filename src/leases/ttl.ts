/**
 * A lease's TTL as Vault computes it: sdk/framework/lease.go CalculateTTL, which the database
 * backend calls when it creates credentials (path_creds_create.go) and on every renewal
 * (secret_creds.go), and the expiration manager again after the backend answers (expiration.go
 * Renew; its warnings are the ones the client sees). Whole seconds, as Vault truncates times.
 *
 * The mount's `default_lease_ttl` and `max_lease_ttl` are Vault's system defaults, 768h each: there
 * is no mount tuning here.
 */
import { SecretsError } from "../errors.js";
import { humanDuration } from "../util/go-duration.js";

/** Vault's default `default_lease_ttl` and `max_lease_ttl`: 768h (32 days). */
export const SYSTEM_DEFAULT_LEASE_TTL = 768 * 3600;
export const SYSTEM_MAX_LEASE_TTL = 768 * 3600;

export interface LeaseTtlInput {
  /** Seconds asked for (a renewal's `increment`, `--ttl` at creation); 0: none. */
  increment: number;
  /** The role's `default_ttl` (0: the system default). */
  defaultTtl: number;
  /** The role's `max_ttl` (0: the system maximum). */
  maxTtl: number;
  /** Unix seconds the lease was issued at: the maximum counts from here. */
  issueTime: number;
  now: number;
}

export interface LeaseTtl {
  ttl: number;
  /** Vault's texts, e.g. `TTL of "2h" exceeded the effective max_ttl of "1h"; TTL value is capped accordingly`. */
  warnings: string[];
}

/**
 * The TTL: the increment, else the role's default, else the system default; capped so that the
 * lease never outlives issue time + max TTL (with Vault's warning). At or past that point:
 * `past the max TTL, cannot renew` (kind `usage`, which Vault answers with 400).
 */
export function leaseTtl(input: LeaseTtlInput): LeaseTtl {
  const maxTtl = input.maxTtl > 0 && input.maxTtl < SYSTEM_MAX_LEASE_TTL ? input.maxTtl : SYSTEM_MAX_LEASE_TTL;
  const wanted = input.increment > 0 ? input.increment : input.defaultTtl > 0 ? input.defaultTtl : SYSTEM_DEFAULT_LEASE_TTL;
  const left = input.issueTime + maxTtl - input.now;
  if (left <= 0) throw new SecretsError("usage", "past the max TTL, cannot renew");
  if (left - wanted < 0) {
    return {
      ttl: left,
      warnings: [`TTL of ${JSON.stringify(humanDuration(wanted))} exceeded the effective max_ttl of ${JSON.stringify(humanDuration(left))}; TTL value is capped accordingly`],
    };
  }
  return { ttl: wanted, warnings: [] };
}

