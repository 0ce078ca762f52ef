/**
 * Response bodies as Vault's json.Encoder writes them (http/logical.go respondOk): HTML escaping on
 * (`goJsonString`), one line and a final newline, struct fields in declaration order, and the keys
 * of every Go map sorted by their bytes. A logical response's `data` is a `map[string]interface{}`
 * all the way down (secret data decoded from JSON included), so everything under it is sorted;
 * the envelope and the sys/ bodies are structs and keep their order. Integers beyond 2^53 (read
 * from a file as bigint) are written as their exact digits, as Go writes a json.Number.
 */
import { GoMap, goJson, goJsonString, type GoJsonValue } from "../util/go-json.js";

/** `value` as the encoder's model: objects are Go maps when `maps` (keys sorted), else structs; undefined fields are left out. */
function toGo(value: unknown, maps: boolean): GoJsonValue {
  if (value === undefined || value === null) return null;
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return value;
  if (Array.isArray(value)) return value.map((v) => toGo(v, maps));
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  const fields: Record<string, GoJsonValue> = {};
  for (const [k, v] of entries) Object.defineProperty(fields, k, { value: toGo(v, maps), enumerable: true, writable: true, configurable: true });
  return maps ? GoMap.from(fields) : fields;
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
 * The envelope of the `sys/` routes whose `data` Vault also copies to the top level of the body
 * (http/handler.go injectDataIntoTopRoutes: `sys/mounts`, `sys/policy`, `sys/auth`, …; written by
 * sdk/logical HTTPSysInjector for clients older than the envelope): each key of `data` first, then
 * the envelope's own fields. Go writes those keys in map order, which is random; here they are
 * sorted, one of the orders Vault may send. An empty or null `data` is the plain envelope.
 */
export function injectedEnvelopeJson(body: Readonly<Record<string, unknown>> & { data: unknown }): string {
  const envelope = envelopeJson(body);
  const data = body.data;
  if (data === null || typeof data !== "object") return envelope;
  const keys = Object.keys(data).filter((k) => (data as Record<string, unknown>)[k] !== undefined);
  if (keys.length === 0) return envelope;
  keys.sort((a, b) => Buffer.compare(Buffer.from(a), Buffer.from(b)));
  const head = keys.map((k) => `${goJsonString(k)}:${goEncode((data as Record<string, unknown>)[k], true)}`).join(",");
  return `{${head},${envelope.slice(1)}`;
}
