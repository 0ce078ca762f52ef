/**
 * When a certificate expires: Vault's getCertificateNotAfter (builtin/logical/pki cert_util.go).
 * The `ttl` asked for, else the role's, else the mount's default (768h); capped at the role's
 * `max_ttl`, else the mount's maximum (its `max_lease_ttl`, by default 768h), with Vault's warning; and never past the signing
 * CA's own expiry (Vault's default `leaf_not_after_behavior`, `err`: refused with its message).
 */
import { SecretsError } from "../../errors.js";
import { SYSTEM_DEFAULT_LEASE_TTL, SYSTEM_MAX_LEASE_TTL } from "../../leases/ttl.js";
import { goDurationString } from "../../util/go-duration.js";
import { rfc3339Nano } from "./certificate.js";

export interface NotAfterInput {
  /** Seconds asked for; 0: none. */
  ttl: number;
  /** The role's (0: none; a root or intermediate has no role). */
  roleTtl: number;
  roleMaxTtl: number;
  /** Milliseconds since the epoch. */
  nowMs: number;
  /** The signing CA's notAfter; null for a self-signed root. */
  caNotAfter: Date | null;
  /** The mount's `default_lease_ttl` and `max_lease_ttl` (0: the system's, 768h). */
  mount?: MountTtls;
}

/** A mount's lease TTLs as `sys/mounts` tunes them (seconds; 0: the system's). */
export interface MountTtls {
  defaultTtl: number;
  maxTtl: number;
}

export function certificateNotAfter(input: NotAfterInput): { notAfter: Date; warnings: string[] } {
  const warnings: string[] = [];
  let ttl = input.ttl > 0 ? input.ttl : input.roleTtl;
  const maxTtl = input.roleMaxTtl > 0 ? input.roleMaxTtl : input.mount?.maxTtl || SYSTEM_MAX_LEASE_TTL;
  if (ttl === 0) ttl = input.mount?.defaultTtl || SYSTEM_DEFAULT_LEASE_TTL;
  if (ttl > maxTtl) {
    warnings.push(`TTL ${JSON.stringify(goDurationString(ttl))} is longer than permitted maxTTL ${JSON.stringify(goDurationString(maxTtl))}, so maxTTL is being used`);
    ttl = maxTtl;
  }
  // Go's time has nanoseconds; certificates have whole seconds, and x509 truncates to them.
  const notAfter = new Date(Math.floor((input.nowMs + ttl * 1000) / 1000) * 1000);
  if (input.caNotAfter && notAfter.getTime() > input.caNotAfter.getTime()) {
    throw new SecretsError("usage", `cannot satisfy request, as TTL would result in notAfter of ${rfc3339Nano(notAfter)} that is beyond the expiration of the CA certificate at ${rfc3339Nano(input.caNotAfter)}`);
  }
  return { notAfter, warnings };
}
