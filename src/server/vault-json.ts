/**
 * Response bodies as Vault's json.Encoder writes them (http/logical.go respondOk): HTML escaping on
 * (`goJsonString`), one line and a final newline, struct fields in declaration order, and the keys
 * of every Go map sorted by their bytes. A logical response's `data` is a `map[string]interface{}`
 * all the way down (secret data decoded from JSON included), so everything under it is sorted;
 * the envelope and the sys/ bodies are structs and keep their order. Integers beyond 2^53 (read
 * from a file as bigint) are written as their exact digits, as Go writes a json.Number.
 */
import { goJsonString } from "../audit-log/go-json.js";

const byUtf8 = (a: string, b: string): number => Buffer.compare(Buffer.from(a, "utf8"), Buffer.from(b, "utf8"));

/** `value` as JSON text; `maps`: its objects are Go maps (keys sorted), else structs (kept in order). */
export function goEncode(value: unknown, maps: boolean): string {
  if (value === null || value === undefined) return "null";
  switch (typeof value) {
    case "string":
      return goJsonString(value);
    case "boolean":
      return value ? "true" : "false";
    case "bigint":
      return value.toString();
    case "number":
      if (!Number.isFinite(value)) throw new TypeError("a response holds a non-finite number");
      return JSON.stringify(value);
  }
  if (Array.isArray(value)) return `[${value.map((v) => goEncode(v, maps)).join(",")}]`;
  const entries = Object.entries(value as Record<string, unknown>).filter(([, v]) => v !== undefined);
  if (maps) entries.sort(([a], [b]) => byUtf8(a, b));
  return `{${entries.map(([k, v]) => `${goJsonString(k)}:${goEncode(v, maps)}`).join(",")}}`;
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
