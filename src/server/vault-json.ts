/**
 * Response bodies as Vault's json.Encoder writes them (http/logical.go respondOk): HTML escaping on
 * (`goJsonString`), one line and a final newline, struct fields in declaration order, and the keys
 * of every Go map sorted by their bytes. A logical response's `data` is a `map[string]interface{}`
 * all the way down (secret data decoded from JSON included), so everything under it is sorted;
 * the envelope and the sys/ bodies are structs and keep their order. Integers beyond 2^53 (read
 * from a file as bigint) are written as their exact digits, as Go writes a json.Number.
 */
import { GoEncoded, GoMap, goJson, goJsonString, type GoJsonValue } from "../util/go-json.js";

/** `value` as the encoder's model: objects are Go maps when `maps` (keys sorted), else structs; undefined fields are left out. */
function toGo(value: unknown, maps: boolean): GoJsonValue {
  if (value === undefined || value === null) return null;
  // A Go map inside a struct (an `auth` block's `metadata`): its keys sorted, whatever `maps` says.
  if (value instanceof GoMap) return value;
  if (value instanceof GoEncoded) return value;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return value;
  if (Array.isArray(value)) return value.map((v) => toGo(v, maps));
  const record = value as Record<string, unknown>;
  if (maps) {
    const entries = new Map<string, GoJsonValue>();
    for (const k of Object.keys(record)) if (record[k] !== undefined) entries.set(k, toGo(record[k], maps));
    return new GoMap(entries);
  }
  const fields: Record<string, GoJsonValue> = {};
  // Defined, not assigned: a `__proto__` member is a field here, as in Go.
  for (const k of Object.keys(record)) if (record[k] !== undefined) Object.defineProperty(fields, k, { value: toGo(record[k], maps), enumerable: true, writable: true, configurable: true });
  return fields;
}

/** `value` as JSON text; `maps`: its objects are Go maps (keys sorted), else structs (kept in order). */
export function goEncode(value: unknown, maps: boolean): string {
  return goJson(toGo(value, maps));
}

/** A struct body whose `data` field (if any) is a Go map: the envelope of every logical response. */
export function envelopeJson(body: Readonly<Record<string, unknown>>): string {
  const fields = Object.entries(body).map(([k, v]) => `${goJsonString(k)}:${goEncode(v, k === "data")}`);
  return `{${fields.join(",")}}\n`;
}

/** A struct body (sys/health, sys/seal-status), with a final newline. */
export function structJson(body: Readonly<Record<string, unknown>>): string {
  return `${goEncode(body, false)}\n`;
}

/**
 * An envelope with its `data` also copied to the top level, as Vault writes the legacy sys/
 * routes (http/handler.go injectDataIntoTopRoutes: `sys/policy`, `sys/audit`, `sys/audit-hash/`,
 * `sys/capabilities*`, `sys/mounts`, `sys/auth`…; sdk/logical HTTPSysInjector): each key of
 * `data`, then the envelope's own fields. Go writes the copied keys in map order, which is random;
 * they are sorted here. A `data` that is null or empty is not copied (the injector's fast path).
 */
export function injectedEnvelopeJson(body: Readonly<Record<string, unknown>> & { data: unknown }): string {
  const data = body.data;
  const copied = data !== null && typeof data === "object" && !Array.isArray(data) ? Object.entries(data as Record<string, unknown>).filter(([, v]) => v !== undefined) : [];
  if (copied.length === 0) return envelopeJson(body);
  copied.sort(([a], [b]) => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8")));
  const top = copied.map(([k, v]) => `${goJsonString(k)}:${goEncode(v, true)}`);
  return `{${top.join(",")},${envelopeJson(body).slice(1)}`;
}

/**
 * A frozen value's encoding as a Go map (see `goEncode`), made once per value: the decrypted
 * secret data the server hands out is frozen and shared (kv/version-cache.ts), and answering it
 * again must not encode every value again. A memo of a pure function (architecture rule 1),
 * weakly held; a value that is not frozen is encoded each time.
 */
export function goMapOnce(value: Readonly<Record<string, unknown>>): GoEncoded {
  if (!Object.isFrozen(value)) return new GoEncoded(goEncode(value, true));
  let encoded = ENCODED_MAPS.get(value);
  if (!encoded) {
    encoded = new GoEncoded(goEncode(value, true));
    ENCODED_MAPS.set(value, encoded);
  }
  return encoded;
}

const ENCODED_MAPS = new WeakMap<object, GoEncoded>();
