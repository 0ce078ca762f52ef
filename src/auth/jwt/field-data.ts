/**
 * A request body's fields as Vault's framework decodes them for a backend (sdk/framework
 * field_data.go getPrimitive, with go-secure-stdlib parseutil): the JWT auth method's endpoints
 * take their parameters through these types, so a client may send `"a,b"` or `["a","b"]` for a
 * list, `"1h"` or `3600` for a duration, `"true"` or `true` for a boolean, as with Vault.
 *
 * A field that does not decode fails the whole request before the endpoint runs, with
 * `Field validation failed: error converting input for field "<name>": <reason>` (framework
 * backend.go HandleRequest after FieldData.Validate): the SecretsError (kind `usage`) carries that text. These
 * endpoints take configuration (URLs, claim names, durations), never a secret: where Vault's reason
 * quotes the input (a duration that does not parse), so does ours.
 */
import { SecretsError } from "../../errors.js";
import { parseDurationSeconds } from "../policy/duration.js";

/** A field that does not decode as its type: kind `usage` (400) with Vault's message. */
function fieldError(field: string, reason: string): SecretsError {
  return new SecretsError("usage", `Field validation failed: error converting input for field ${JSON.stringify(field)}: ${reason}`);
}

/** A JSON body as the framework sees it: a map of raw values (anything else is an empty map, as Vault parses a non-object body). */
export type RawFields = Readonly<Record<string, unknown>>;

export function rawFields(body: unknown): RawFields {
  return body !== null && typeof body === "object" && !Array.isArray(body) ? (body as RawFields) : {};
}

/** Whether the request set the field (FieldData.GetOk): present, and not JSON null. */
export function has(raw: RawFields, field: string): boolean {
  return Object.hasOwn(raw, field) && raw[field] !== null && raw[field] !== undefined;
}

/** mapstructure.WeakDecode to a string: strings, numbers and booleans ("1"/"0", as mapstructure writes a bool). */
function weakString(field: string, v: unknown): string {
  if (typeof v === "string") return v;
  if (typeof v === "number" && Number.isFinite(v)) return String(v);
  if (typeof v === "boolean") return v ? "1" : "0";
  throw fieldError(field, `'' expected type 'string', got unconvertible type '${goTypeName(v)}'`);
}

/** The Go type name mapstructure reports for a decoded JSON value. */
function goTypeName(v: unknown): string {
  if (Array.isArray(v)) return "[]interface {}";
  if (v !== null && typeof v === "object") return "map[string]interface {}";
  if (typeof v === "number") return "json.Number";
  if (typeof v === "boolean") return "bool";
  return "string";
}

/** TypeString (absent: ""). */
export function stringField(raw: RawFields, field: string): string {
  return has(raw, field) ? weakString(field, raw[field]) : "";
}

/** TypeLowerCaseString. */
export function lowerCaseStringField(raw: RawFields, field: string): string {
  return stringField(raw, field).toLowerCase();
}

/** TypeBool with mapstructure's weak decoding: strconv.ParseBool of a string, a number is true unless 0. */
export function boolField(raw: RawFields, field: string): boolean {
  if (!has(raw, field)) return false;
  const v = raw[field];
  if (typeof v === "boolean") return v;
  if (typeof v === "number") return v !== 0;
  if (typeof v === "string") {
    if (v === "") return false;
    if (["1", "t", "T", "true", "TRUE", "True"].includes(v)) return true;
    if (["0", "f", "F", "false", "FALSE", "False"].includes(v)) return false;
    throw fieldError(field, `cannot parse '' as bool: strconv.ParseBool: parsing ${JSON.stringify(v)}: invalid syntax`);
  }
  throw fieldError(field, `'' expected type 'bool', got unconvertible type '${goTypeName(v)}'`);
}

/** TypeInt: a whole number, or a string of one. */
export function intField(raw: RawFields, field: string): number {
  if (!has(raw, field)) return 0;
  const v = raw[field];
  if (typeof v === "number" && Number.isInteger(v)) return v;
  if (typeof v === "string" && /^[+-]?\d+$/.test(v)) return Number(v);
  if (typeof v === "boolean") return v ? 1 : 0;
  throw fieldError(field, `cannot parse '' as int`);
}

/** TypeCommaStringSlice (parseutil.ParseCommaStringSlice): a comma-separated string or a list, each item trimmed; "" is the empty list. */
export function commaStringSliceField(raw: RawFields, field: string): string[] {
  if (!has(raw, field)) return [];
  const v = raw[field];
  if (typeof v === "string") return v === "" ? [] : v.split(",").map((s) => s.trim());
  if (Array.isArray(v)) return v.map((item) => weakString(field, item).trim());
  return [weakString(field, v).trim()];
}

/**
 * TypeDurationSecond (or TypeSignedDurationSecond when `signed`): parseutil.ParseDurationSecond,
 * whole seconds. A negative value of an unsigned field is refused (`cannot provide negative value`).
 */
export function durationField(raw: RawFields, field: string, signed = false): number {
  if (!has(raw, field)) return 0;
  const parsed = parseDurationSeconds(raw[field]);
  if ("error" in parsed) throw fieldError(field, parsed.error);
  const seconds = Math.trunc(parsed.seconds);
  if (!signed && seconds < 0) throw fieldError(field, `cannot provide negative value '${seconds}'`);
  return seconds;
}

/** TypeMap: a JSON object (absent: undefined, as GetOk's not-ok). */
export function mapField(raw: RawFields, field: string): Record<string, unknown> | undefined {
  if (!has(raw, field)) return undefined;
  const v = raw[field];
  if (v !== null && typeof v === "object" && !Array.isArray(v)) return { ...(v as Record<string, unknown>) };
  const kind = Array.isArray(v) ? "slice" : typeof v === "boolean" ? "bool" : "string";
  throw fieldError(field, `'' expected a map, got '${kind}'`);
}

/** TypeKVPairs: a map of strings, or a list of `key=value` strings. */
export function kvPairsField(raw: RawFields, field: string): Record<string, string> | undefined {
  if (!has(raw, field)) return undefined;
  const v = raw[field];
  if (v !== null && typeof v === "object" && !Array.isArray(v)) {
    const out: Record<string, string> = {};
    for (const [k, item] of Object.entries(v as Record<string, unknown>)) out[k] = weakString(field, item);
    return out;
  }
  const list = Array.isArray(v) ? v.map((item) => weakString(field, item)) : [weakString(field, v)];
  const out: Record<string, string> = {};
  for (const pair of list) {
    const eq = pair.indexOf("=");
    if (eq <= 0) throw fieldError(field, `invalid key pair ${JSON.stringify(pair)}`);
    out[pair.slice(0, eq)] = pair.slice(eq + 1);
  }
  return out;
}

/** TypeSlice: a list of anything (absent or not a list: the empty list). */
export function sliceField(raw: RawFields, field: string): unknown[] {
  if (!has(raw, field)) return [];
  const v = raw[field];
  return Array.isArray(v) ? [...(v as unknown[])] : [v];
}

/** The body's fields the endpoint does not know, sorted: Vault warns `Endpoint ignored these unrecognized parameters: [a b]`. */
export function ignoredFieldsWarning(raw: RawFields, known: ReadonlySet<string>): string | undefined {
  const ignored = Object.keys(raw).filter((k) => !known.has(k)).sort();
  return ignored.length ? `Endpoint ignored these unrecognized parameters: [${ignored.join(" ")}]` : undefined;
}
