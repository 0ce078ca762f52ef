/**
 * HMAC of the values in a request's or a response's `data`, as Vault's `audit/hashstructure.go`
 * (`HashStructure` and its `hashWalker`) does it:
 * - every string value is replaced by its identified HMAC (hmac.ts), at any depth, in maps and in
 *   lists alike; map keys are never hashed ("Only _values_ are hashed: keys of objects are not");
 * - numbers, booleans and null are left as they are (the walker only touches strings);
 * - a time value (a `Date` here, a Go `time.Time` there) is written as an RFC 3339 timestamp with
 *   nanoseconds (`time.RFC3339Nano`) and left plain (`hashWalker.Struct`). A *string* that looks like
 *   a timestamp is hashed like any other string, as in Vault: a secret value can look like a date.
 *   (OpenBao's copy of hashstructure.go leaves such strings plain; we follow Vault, which leaks less.)
 * Vault's per-mount `audit_non_hmac_request_keys`/`audit_non_hmac_response_keys` are not offered:
 * nothing in our log is ever written in plaintext from `data`.
 */
import { GoMap, type GoJsonValue } from "../util/go-json.js";

/** A value of a request's or a response's data: JSON, plus `Date` for timestamps (left plain). */
export type AuditDataValue = string | number | boolean | null | Date | readonly AuditDataValue[] | { readonly [key: string]: AuditDataValue };

/**
 * `time.Time.Format(time.RFC3339Nano)` of a UTC instant: the fraction without trailing zeros and
 * without the dot when it is zero (`2006-01-02T15:04:05.999999999Z07:00`); a JavaScript Date holds
 * milliseconds only.
 */
export function rfc3339Nano(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new TypeError("audit entry holds an invalid date");
  return d.toISOString().replace(/\.(\d*?)0*Z$/, (_m, frac: string) => (frac === "" ? "Z" : `.${frac}Z`));
}

/** `time.Time.Format(time.RFC3339)` of a UTC instant (whole seconds), as Vault writes `token_issue_time`. */
export function rfc3339(d: Date): string {
  if (Number.isNaN(d.getTime())) throw new TypeError("audit entry holds an invalid date");
  return d.toISOString().replace(/\.\d+Z$/, "Z");
}

/** A deep copy of `value` with every string HMAC'd by `hmac` (see the module comment). */
export function hashValue(value: AuditDataValue, hmac: (s: string) => string): GoJsonValue {
  if (value === null || typeof value === "number" || typeof value === "boolean") return value;
  if (typeof value === "string") return hmac(value);
  if (value instanceof Date) return rfc3339Nano(value);
  if (isList(value)) return value.map((v) => hashValue(v, hmac));
  return hashMap(value, hmac);
}

/** A data map (`map[string]interface{}` in Vault) with its values hashed; keys kept as they are. */
export function hashMap(map: { readonly [key: string]: AuditDataValue }, hmac: (s: string) => string): GoMap {
  const out = new Map<string, GoJsonValue>();
  for (const [k, v] of Object.entries(map)) out.set(k, hashValue(v, hmac));
  return new GoMap(out);
}

function isList(v: unknown): v is readonly AuditDataValue[] {
  return Array.isArray(v);
}
