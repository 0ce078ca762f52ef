/**
 * A POST/PUT/PATCH body as Vault reads it into a request's data (http/logical.go
 * buildLogicalRequestNoAuth), so that what Vault accepts is accepted and what it refuses is refused
 * with its message:
 *
 * - **JSON** (jsonutil.DecodeJSONFromReader into a `map[string]interface{}`): one JSON value is
 *   decoded and anything after it is never read, as a json.Decoder does; an object is the data,
 *   `null` (or an empty body) is no data, and anything else — an array, a string, a number, a
 *   boolean, bad JSON — is 400 `error parsing JSON` (Go cannot decode it into a map).
 * - **A form** (`Content-Type: application/x-www-form-urlencoded` and a body whose first byte
 *   after whitespace is not `{` or `[`: Vault's isForm, which keeps `curl -d '{"…"}'` JSON): parsed
 *   as Go's r.ParseForm does (url.ParseQuery, at most 10 MiB, the URL's query string checked too);
 *   each key's value is a string, several values joined with `,` (parseFormRequest); a body Go
 *   refuses is 400 `error parsing form data`. PATCH bodies are always JSON (their Content-Type is
 *   the merge-patch one).
 */
import { parseJsonObject } from "../sops/stores/gojson.js";
import { toPlain } from "../sops/tree.js";
import { parseGoQuery } from "../util/go-url.js";

export type BodyOutcome = { ok: true; data: Record<string, unknown> | null } | { ok: false; message: string };

/** http/logical.go's messages. */
export const BAD_JSON_MESSAGE = "error parsing JSON";
export const BAD_FORM_MESSAGE = "error parsing form data";

const FORM_CONTENT_TYPE = "application/x-www-form-urlencoded";
/** How far Vault looks into the body to tell a form from JSON (bufferedBody.Peek(512)). */
const FORM_SNIFF_BYTES = 512;
/** net/http parsePostForm: a form body past 10 MiB is "http: POST too large". */
const MAX_FORM_BYTES = 10 << 20;

/** The request's data from its body. `contentType` is the header as sent; `rawQuery` the URL's query string (no `?`). */
export function decodeBody(body: Buffer, opts: { method: string; contentType: string | undefined; rawQuery: string }): BodyOutcome {
  if (opts.method !== "PATCH" && isForm(body, opts.contentType)) return decodeForm(body, opts.rawQuery);
  return decodeJson(body);
}

/** http/logical.go isForm: the form media type, and a body that does not start like JSON. */
function isForm(body: Buffer, contentType: string | undefined): boolean {
  // mime.ParseMediaType lower-cases the type and drops the parameters.
  if ((contentType ?? "").split(";")[0]!.trim().toLowerCase() !== FORM_CONTENT_TYPE) return false;
  for (const c of body.subarray(0, FORM_SNIFF_BYTES)) {
    if (c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d) continue;
    return c !== 0x7b /* { */ && c !== 0x5b /* [ */;
  }
  return true;
}

function decodeForm(body: Buffer, rawQuery: string): BodyOutcome {
  if (body.length > MAX_FORM_BYTES) return { ok: false, message: BAD_FORM_MESSAGE };
  const form = parseGoQuery(body.toString("utf8"));
  // r.ParseForm also parses the URL's query into r.Form, and fails the same way on it.
  if (form.failed || parseGoQuery(rawQuery).failed) return { ok: false, message: BAD_FORM_MESSAGE };
  if (form.values.size === 0) return { ok: true, data: null };
  return { ok: true, data: Object.fromEntries([...form.values].map(([k, v]) => [k, v.join(",")])) };
}

const isJsonSpace = (c: number): boolean => c === 0x20 || c === 0x09 || c === 0x0a || c === 0x0d;

function decodeJson(body: Buffer): BodyOutcome {
  const text = body.toString("utf8");
  let start = 0;
  while (start < text.length && isJsonSpace(text.charCodeAt(start))) start++;
  // io.EOF before any value: no data.
  if (start === text.length) return { ok: true, data: null };
  const end = firstValueEnd(text, start);
  if (end === null) return { ok: false, message: BAD_JSON_MESSAGE };
  const value = parseValue(text, start, end);
  if (value === BAD) return { ok: false, message: BAD_JSON_MESSAGE };
  if (value === null) return { ok: true, data: null };
  if (typeof value !== "object" || Array.isArray(value)) return { ok: false, message: BAD_JSON_MESSAGE };
  return { ok: true, data: value as Record<string, unknown> };
}

const BAD: unique symbol = Symbol("bad-json");

/**
 * The JSON value at `text[start, end)`. Vault decodes numbers as json.Number (jsonutil.DecodeJSON,
 * UseNumber), so an integer beyond 2^53 keeps its digits: an object goes through the format layer's
 * JSON reader, which keeps such an integer exact (a bigint); what that reader refuses (a repeated
 * key, of which Go keeps the last; bytes that are not UTF-8) is parsed by JSON.parse.
 */
function parseValue(text: string, start: number, end: number): unknown {
  const slice = text.slice(start, end);
  if (slice.startsWith("{")) {
    try {
      return toPlain(parseJsonObject(Buffer.from(slice, "utf8")));
    } catch {
      // JSON.parse decides, below.
    }
  }
  try {
    return JSON.parse(slice) as unknown;
  } catch {
    return BAD;
  }
}

/**
 * Where the first JSON value that starts at `start` ends, for an object or `null` (the only values
 * that decode into a map): the index after its closing brace, found by matching braces outside
 * strings; JSON.parse then checks the value itself. Null for anything else, or an object never
 * closed: Go fails on those too.
 */
function firstValueEnd(text: string, start: number): number | null {
  if (text.startsWith("null", start)) return start + 4;
  if (text[start] !== "{") return null;
  let depth = 0;
  let inString = false;
  for (let i = start; i < text.length; i++) {
    const c = text[i];
    if (inString) {
      if (c === "\\") i++;
      else if (c === '"') inString = false;
      continue;
    }
    if (c === '"') inString = true;
    else if (c === "{" || c === "[") depth++;
    else if (c === "}" || c === "]") {
      depth--;
      if (depth === 0) return i + 1;
    }
  }
  return null;
}
