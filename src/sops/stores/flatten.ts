import { SecretsError } from "../../errors.js";
import { formatFloatG } from "../gofmt.js";
import { SopsFloat, SopsInt, SopsTime, setOwn, type PlainValue, type Scalar } from "../tree.js";

/**
 * sops' `stores/flatten.go`: how the dotenv and INI stores fit the nested `sops` metadata into flat
 * `key=value` lines. A map step is `__map_<key>`, a list step `__list_<index>`:
 *
 *     {age: [{enc: E, recipient: R}], version: V}
 *       → age__list_0__map_enc=E, age__list_0__map_recipient=R, version=V
 *
 * Order: sops 3.13 turns the metadata into a tree sorted by key at every level (`goToSops`) and then
 * flattens it in tree order (`flattenTreeBranch`), so lists stay in index order (`__list_2` before
 * `__list_10`, unlike the plain string sort of 3.8–3.12). We flatten in the order we are given;
 * `metadataToPlain` already hands the metadata over in that sorted-per-level order.
 */

export const MAP_SEPARATOR = "__map_";
export const LIST_SEPARATOR = "__list_";

/** A flattened metadata leaf. Null leaves are dropped; empty maps and lists vanish. */
export type FlatScalar = string | number | boolean;

export interface FlatItem {
  key: string;
  value: FlatScalar;
}

function isObject(v: PlainValue): v is { [key: string]: PlainValue } {
  return typeof v === "object" && v !== null && !Array.isArray(v);
}

/** Flattens the metadata mapping, every key prefixed with `prefix` (`sops_` for dotenv, "" for INI). */
export function flattenMetadata(metadata: PlainValue, prefix = ""): FlatItem[] {
  if (!isObject(metadata)) throw new SecretsError("dump", "sops metadata must be a mapping");
  const out: FlatItem[] = [];
  const seen = new Set<string>();
  const walk = (key: string, v: PlainValue): void => {
    if (Array.isArray(v)) {
      v.forEach((x, i) => walk(`${key}${LIST_SEPARATOR}${i}`, x));
    } else if (isObject(v)) {
      for (const [k, x] of Object.entries(v)) walk(key + MAP_SEPARATOR + k, x);
    } else if (v !== null) {
      if (seen.has(key)) throw new SecretsError("dump", `metadata key collision on ${key} while flattening`);
      seen.add(key);
      out.push({ key, value: v });
    }
  };
  for (const [k, v] of Object.entries(metadata)) walk(prefix + k, v);
  return out;
}

type Token = { map: string } | { list: number };

/** sops' `tokenize`: splits a flattened key at every `__map_` / `__list_` marker. */
export function tokenizeFlatKey(path: string): Token[] {
  const tokens: Token[] = [];
  let state: "normal" | "map" | "list" = "normal";
  let last = 0;
  let i = 0;
  const finish = () => {
    if (state === "normal") tokens.push({ map: path.slice(last, i) });
    else if (state === "map") tokens.push({ map: path.slice(last + MAP_SEPARATOR.length, i) });
    else {
      const digits = path.slice(last + LIST_SEPARATOR.length, i);
      // A cap keeps a hostile key (`__list_99999999`) from allocating a huge array.
      if (!/^\d{1,5}$/.test(digits) || Number(digits) > 10000) {
        throw new SecretsError("parse", `invalid list index in sops metadata key ${path}`);
      }
      tokens.push({ list: Number(digits) });
    }
    last = i;
  };
  while (i < path.length) {
    if (path.startsWith(MAP_SEPARATOR, i)) {
      finish();
      state = "map";
      i += MAP_SEPARATOR.length;
    } else if (path.startsWith(LIST_SEPARATOR, i)) {
      finish();
      state = "list";
      i += LIST_SEPARATOR.length;
    } else i++;
  }
  finish();
  return tokens;
}

/**
 * sops' `unflattenTreeBranch`: rebuilds the nested metadata from flat items (keys already stripped
 * of any `sops_` prefix). Maps keep first-appearance order, a repeated leaf keeps its last value,
 * list gaps are null, and a key used both as a leaf and as a map/list is an error. Values are kept
 * as they are (strings): the metadata layer does sops' weak typing.
 */
export function unflattenMetadata(items: Array<{ key: string; value: PlainValue }>): { [key: string]: PlainValue } {
  const root: { [key: string]: PlainValue } = {};
  for (const { key, value } of items) {
    const tokens = tokenizeFlatKey(key);
    const mismatch = () => new SecretsError("parse", `conflicting sops metadata key ${key} while unflattening`);
    let node: PlainValue = root;
    tokens.forEach((tok, i) => {
      const next = tokens[i + 1];
      const child = (): PlainValue => (next === undefined ? value : "list" in next ? [] : {});
      if ("map" in tok) {
        if (!isObject(node)) throw mismatch();
        const cur: PlainValue | undefined = Object.prototype.hasOwnProperty.call(node, tok.map) ? node[tok.map] : undefined;
        if (next === undefined) {
          if (cur !== undefined && cur !== null && typeof cur === "object") throw mismatch();
          setOwn(node, tok.map, value);
          return;
        }
        if (cur === undefined || cur === null) setOwn(node, tok.map, child());
        else if (typeof cur !== "object" || Array.isArray(cur) !== ("list" in next)) throw mismatch();
        node = node[tok.map]!;
      } else {
        if (!Array.isArray(node)) throw mismatch();
        while (node.length <= tok.list) node.push(null);
        const cur: PlainValue | undefined = node[tok.list];
        if (next === undefined) {
          if (cur !== null && typeof cur === "object") throw mismatch();
          node[tok.list] = value;
          return;
        }
        if (cur === null) node[tok.list] = child();
        else if (typeof cur !== "object" || Array.isArray(cur) !== ("list" in next)) throw mismatch();
        node = node[tok.list]!;
      }
    });
  }
  return root;
}

/** The text of a flattened metadata leaf (what sops' `ValToString` makes of an int or a bool). */
export function flatScalarToString(v: FlatScalar): string {
  if (typeof v === "string") return v;
  if (typeof v === "boolean") return v ? "true" : "false";
  return Number.isInteger(v) ? String(v) : (goValToString(new SopsFloat(v)) as string);
}

/**
 * sops' `stores.ValToString`, used by the dotenv and INI emitters for values that are not strings:
 * floats `%G`-style with at least one decimal (`1.0`, `3.14`, `1E+21`), bools `true`/`false`,
 * times RFC 3339 without fractional seconds, ints in decimal, and null as Go prints a nil interface
 * (`<nil>`). Bytes (non-UTF-8 strings) stay bytes: in Go they are strings.
 */
export function goValToString(v: Scalar): string | Uint8Array {
  if (typeof v === "string" || v instanceof Uint8Array) return v;
  if (v === null) return "<nil>";
  if (typeof v === "boolean") return v ? "true" : "false";
  if (v instanceof SopsInt) return v.value.toString();
  if (v instanceof SopsTime) return v.text.replace(/\.\d+(?=(Z|[+-]\d\d:\d\d)$)/, "");
  if (v instanceof SopsFloat) {
    const f = v.value;
    const g = formatFloatG(f).replace("e", "E");
    if (g.includes(".") || g.includes("E") || !Number.isFinite(f)) return g;
    return (Object.is(f, -0) ? "-" : "") + Math.abs(f).toFixed(1);
  }
  throw new SecretsError("dump", "a value of an unknown type cannot be written");
}
