/**
 * The HMAC every audited string goes through, and what `sys/audit-hash/<device>` answers.
 *
 * Vault's `sdk/helper/salt/salt.go`: `GetHMAC` is HMAC-SHA256 keyed with the device's salt, hex
 * encoded; `GetIdentifiedHMAC` prefixes it with the HMAC type and a colon (`hmac-sha256:<hex>`).
 * Vault keys the HMAC with its salt string (a UUID); our salt is random bytes (salt-store.ts), used
 * as the key as they are.
 */
import { createHmac } from "node:crypto";

/** The HMAC type Vault's salt names (salt.go: `config.HMACType = "hmac-sha256"`). */
export const HMAC_TYPE = "hmac-sha256";

/** `hmac-sha256:<hex of HMAC-SHA256(key = salt, message = UTF-8 of value)>`, as salt.GetIdentifiedHMAC. */
export function identifiedHmac(salt: Uint8Array, value: string): string {
  return `${HMAC_TYPE}:${createHmac("sha256", salt).update(value, "utf8").digest("hex")}`;
}

/** The body of `sys/audit-hash/<device>` (Vault's api-docs/system/audit-hash: `{"hash": "hmac-sha256:…"}`). */
export interface AuditHashResponse {
  hash: string;
}

/**
 * What `POST sys/audit-hash/<device>` with `{"input": input}` returns for the device whose salt
 * this is: lets an operator who knows a value (a token, a secret) find it in the log.
 */
export function auditHash(salt: Uint8Array, input: string): AuditHashResponse {
  return { hash: identifiedHmac(salt, input) };
}
