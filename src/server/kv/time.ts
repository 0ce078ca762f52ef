import { SecretsError } from "../../errors.js";

/**
 * Times as the KV plugin prints them. backend.go `ptypesTimestampToString` formats with golang
 * protobuf's `ptypes.TimestampString`, i.e. Go's `time.RFC3339Nano` of the UTC time: the fraction
 * has its trailing zeros removed and disappears when it is zero. Vault's docs show
 * "2018-03-22T02:24:06.945319214Z" because its clock has nanoseconds; a git commit time has whole
 * seconds, so the same formatter gives "2018-03-22T02:24:06Z" — which is what Vault itself would
 * print for such a time, and what every RFC 3339 parser (hvac, Go, JS `Date`) reads.
 */
export function vaultTime(iso: string): string {
  const ms = Date.parse(iso);
  if (!Number.isFinite(ms)) throw new SecretsError("generic", "a commit has an unreadable date");
  // Date keeps milliseconds; a commit date has none, and `ptypes` would drop a zero fraction.
  return new Date(ms).toISOString().replace(/\.?0+Z$/, "Z");
}

/**
 * A whole number of seconds as Go's `time.Duration.String()` writes it (`0s`, `30s`, `5m0s`,
 * `1h2m3s`): the form of `delete_version_after` in path_metadata.go's read response.
 */
export function goDuration(seconds: number): string {
  if (!Number.isSafeInteger(seconds) || seconds < 0) throw new SecretsError("usage", "a duration must be a whole number of seconds");
  const h = Math.floor(seconds / 3600);
  const m = Math.floor((seconds % 3600) / 60);
  const s = seconds % 60;
  if (h > 0) return `${h}h${m}m${s}s`;
  if (m > 0) return `${m}m${s}s`;
  return `${s}s`;
}
