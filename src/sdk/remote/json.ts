import { SecretsError } from "../../errors.js";
import { parseJsonObject } from "../../sops/stores/gojson.js";
import { setOwn, toPlain, type Branch, type ExactPlainValue } from "../../sops/tree.js";
import { goJson, type GoJsonValue } from "../../util/go-json.js";

/**
 * A server's JSON answer, read by the one JSON reader of the format layer (sops' Go-compatible
 * reader): key order kept, integers beyond 2^53 exact, so a value read through a server is the same
 * JavaScript value as one read from the file (`toPlain`, as the local client gives it).
 */
export interface JsonAnswer {
  /** The answer as a tree (a secret's data is taken from here, with its types). */
  tree: Branch;
  /** The same as plain data, for the zod schemas. */
  plain: ExactPlainValue;
}

/** The answer's body as JSON; `what` names the request in the error (never the body's text). */
export function readJsonAnswer(body: Uint8Array, what: string): JsonAnswer {
  let tree: Branch;
  try {
    tree = parseJsonObject(body);
  } catch (e) {
    throw new SecretsError("generic", `the answer to ${what} is not a JSON object`, { cause: e });
  }
  return { tree, plain: toPlain(tree) };
}

/**
 * A request body's JSON text, written by the one Go-compatible encoder (src/util/go-json.ts):
 * objects keep their key order (a `__proto__` key included), integers beyond 2^53 (bigint) their
 * exact digits. Only plain JSON data is expected here; anything else is written as null.
 */
export function requestJson(value: unknown): string {
  return goJson(toGoValue(value));
}

function toGoValue(value: unknown): GoJsonValue {
  if (typeof value === "string" || typeof value === "number" || typeof value === "boolean" || typeof value === "bigint") return value;
  if (Array.isArray(value)) return value.map(toGoValue);
  if (value === null || typeof value !== "object") return null;
  const fields: Record<string, GoJsonValue> = {};
  for (const [k, v] of Object.entries(value)) setOwn(fields, k, toGoValue(v));
  return fields;
}
