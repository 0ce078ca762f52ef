/**
 * JSON text as Go's encoding/json writes it, so that what we send and log is byte-for-byte what
 * Vault's `jsonutil.EncodeJSON` / json.Encoder (HTML escaping on) writes for the same value: the
 * audit log's lines and the server's response bodies both go through here.
 * - struct fields in declaration order: plain objects keep their insertion order (an entry's
 *   field names are never integer-like, so JavaScript keeps that order);
 * - map keys sorted by their UTF-8 bytes (encoding/json sorts map keys): maps are `GoMap`s;
 * - `<`, `>`, `&`, U+2028 and U+2029 escaped as `\u003c`, `\u003e`, `\u0026`, `\u2028`, `\u2029`
 *   (encoding/json's HTMLEscape default); a lone surrogate, which Go never holds (it would be invalid
 *   UTF-8, written as U+FFFD), becomes U+FFFD;
 * - no trailing newline here: the line writer adds the one json.Encoder.Encode adds.
 */

/** A Go map (`map[string]…`): encoded with its keys sorted bytewise, as encoding/json does. */
export class GoMap {
  constructor(readonly entries: ReadonlyMap<string, GoJsonValue>) {}

  static from(record: Readonly<Record<string, GoJsonValue>>): GoMap {
    return new GoMap(new Map(Object.entries(record)));
  }
}

/** What the encoder takes: JSON values, with GoMap for maps and plain objects for structs. */
export type GoJsonValue = string | number | bigint | boolean | null | GoMap | readonly GoJsonValue[] | { readonly [field: string]: GoJsonValue };

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function escapeForGo(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** A JSON string literal as encoding/json writes it. */
export function goJsonString(s: string): string {
  return JSON.stringify(s.replace(LONE_SURROGATE, "\uFFFD")).replace(HTML_UNSAFE, escapeForGo);
}

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/** Encodes one value (see the module comment). Throws TypeError for a number JSON cannot hold. */
export function goJson(value: GoJsonValue): string {
  if (value === null) return "null";
  switch (typeof value) {
    case "string":
      return goJsonString(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      // An integer beyond 2^53 (read from a file as bigint): its exact digits, as Go writes a json.Number.
      return value.toString();
    case "number":
      // encoding/json refuses NaN and ±Inf (UnsupportedValueError); so do we.
      if (!Number.isFinite(value)) throw new TypeError("a value to encode holds a non-finite number");
      return JSON.stringify(value);
  }
  if (value instanceof GoMap) {
    const keys = [...value.entries.keys()].sort(compareUtf8);
    return `{${keys.map((k) => `${goJsonString(k)}:${goJson(value.entries.get(k)!)}`).join(",")}}`;
  }
  if (isArray(value)) return `[${value.map(goJson).join(",")}]`;
  return `{${Object.entries(value).map(([k, v]) => `${goJsonString(k)}:${goJson(v)}`).join(",")}}`;
}

function isArray(v: unknown): v is readonly GoJsonValue[] {
  return Array.isArray(v);
}
