import { SecretsError } from "../../errors.js";

/**
 * Check-and-set as path_data.go `validateCheckAndSetOption` decides it, for writes and patches:
 * - `options.cas` given: it must equal the current version (0 when the key has none, so `cas: 0`
 *   means "create only"); else "check-and-set parameter did not match the current version";
 * - not given while the key or the mount requires it: "check-and-set parameter required for this call";
 * - a value that does not decode as an integer: "error parsing check-and-set parameter".
 * Every one is Vault's 400 (logical.ErrInvalidRequest), hence kind `usage`.
 *
 * The server calls this under the file's write lock, with the current version read under it, so
 * that of two writers with the same `cas` exactly one wins.
 */

export const CAS_MISMATCH = "check-and-set parameter did not match the current version";
export const CAS_REQUIRED = "check-and-set parameter required for this call";
export const CAS_UNPARSABLE = "error parsing check-and-set parameter";

/** The write's `options` (a JSON object; anything else never reaches here, the body schema refuses it). */
export type WriteOptions = Readonly<Record<string, unknown>> | null | undefined;

/** null when the write may go ahead, else the Vault error to answer with. */
export function checkCas(current: number, options: WriteOptions, casRequired: boolean): SecretsError | null {
  if (options == null || !Object.hasOwn(options, "cas")) {
    return casRequired ? new SecretsError("usage", CAS_REQUIRED) : null;
  }
  const cas = weakInt(options.cas);
  if (cas === undefined) return new SecretsError("usage", CAS_UNPARSABLE);
  // Vault compares uint64(cas): a negative cas can never match a version.
  return cas === BigInt(current) ? null : new SecretsError("usage", CAS_MISMATCH);
}

/**
 * mapstructure.WeakDecode into a Go `int`: null is 0, booleans 1/0, integral numbers as they are,
 * strings through strconv.ParseInt(s, 0, 64) ("" is 0, `0x`/`0o`/`0b` prefixes, `_` between digits).
 * Vault decodes request JSON with UseNumber, so a fraction (json.Number "1.5") fails to decode.
 */
function weakInt(v: unknown): bigint | undefined {
  if (v === null) return 0n;
  if (typeof v === "boolean") return v ? 1n : 0n;
  if (typeof v === "number") return Number.isSafeInteger(v) ? BigInt(v) : undefined;
  if (typeof v === "bigint") return v;
  if (typeof v === "string") return parseGoInt(v === "" ? "0" : v);
  return undefined;
}

const INT64_MAX = (1n << 63n) - 1n;

function parseGoInt(s: string): bigint | undefined {
  const m = /^([+-]?)(0[xX](?:_?[0-9a-fA-F])+|0[oO](?:_?[0-7])+|0[bB](?:_?[01])+|0(?:_?[0-7])*|[1-9](?:_?[0-9])*)$/.exec(s);
  if (!m) return undefined;
  let digits = m[2]!.replace(/_/g, "");
  // A leading 0 alone is octal in Go (`010` is 8); BigInt wants the `0o` prefix.
  if (/^0[0-7]+$/.test(digits)) digits = `0o${digits.slice(1)}`;
  const n = BigInt(digits);
  const value = m[1] === "-" ? -n : n;
  return value > INT64_MAX || value < -INT64_MAX - 1n ? undefined : value;
}
