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

/** JSON text already encoded by this encoder, written as it is (a value encoded once and sent many times). */
export class GoEncoded {
  constructor(readonly text: string) {}
}

/** What the encoder takes: JSON values, with GoMap for maps and plain objects for structs. */
export type GoJsonValue = string | number | bigint | boolean | null | GoMap | GoEncoded | readonly GoJsonValue[] | { readonly [field: string]: GoJsonValue };

const HTML_UNSAFE = /[<>&\u2028\u2029]/g;
const LONE_SURROGATE = /[\uD800-\uDBFF](?![\uDC00-\uDFFF])|(?<![\uD800-\uDBFF])[\uDC00-\uDFFF]/g;

function escapeForGo(c: string): string {
  return `\\u${c.charCodeAt(0).toString(16).padStart(4, "0")}`;
}

/** Anything JSON.stringify or Go escapes, and surrogates: a string without any is written as it is. */
// eslint-disable-next-line no-control-regex -- control characters are what JSON escapes: their presence sends a string the long way.
const NEEDS_ESCAPE = /[\u0000-\u001f"\\<>&\u2028\u2029\uD800-\uDFFF]/;

/** A JSON string literal as encoding/json writes it. */
export function goJsonString(s: string): string {
  // The common case (keys, most values) in one scan; the same text the general path gives.
  if (!NEEDS_ESCAPE.test(s)) return `"${s}"`;
  return JSON.stringify(s.replace(LONE_SURROGATE, "\uFFFD")).replace(HTML_UNSAFE, escapeForGo);
}

/** Code units from U+D800 up: the only ones whose UTF-16 order differs from UTF-8's byte order. */
const ABOVE_BMP_ORDER = /[\uD800-\uFFFF]/;

function compareUtf8(a: string, b: string): number {
  return Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));
}

/**
 * Keys sorted by their UTF-8 bytes. Below U+D800, UTF-16 code units compare as UTF-8 bytes do
 * (both follow the code points), so such keys sort as JavaScript sorts strings, without encoding
 * any of them; a key with a code unit from U+D800 up sends all of them through the bytes.
 */
function sortUtf8(keys: string[]): string[] {
  return keys.some((k) => ABOVE_BMP_ORDER.test(k)) ? keys.sort(compareUtf8) : keys.sort();
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
  if (value instanceof GoEncoded) return value.text;
  if (value instanceof GoMap) {
    const keys = sortUtf8([...value.entries.keys()]);
    return `{${keys.map((k) => `${goJsonString(k)}:${goJson(value.entries.get(k)!)}`).join(",")}}`;
  }
  if (isArray(value)) return `[${value.map(goJson).join(",")}]`;
  return `{${Object.entries(value).map(([k, v]) => `${goJsonString(k)}:${goJson(v)}`).join(",")}}`;
}

function isArray(v: unknown): v is readonly GoJsonValue[] {
  return Array.isArray(v);
}
