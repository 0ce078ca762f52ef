import { SecretsError } from "../errors.js";
import { checkNesting } from "./nesting.js";
import { Branch, Comment, fromPlain, type Value } from "./tree.js";

/**
 * Paths into a tree: sops' index form `["a"]["b"][0]` and the dotted form `a.b.0`. A dotted segment
 * of digits is a list index when it meets a list, a key otherwise.
 */
export type PathSegment = string | number;

export function parseTreePath(s: string): PathSegment[] {
  const text = s.trim();
  if (text.startsWith("[")) {
    const out: PathSegment[] = [];
    const re = /\[\s*(?:"((?:[^"\\]|\\.)*)"|'([^']*)'|(-?\d+))\s*\]/y;
    let pos = 0;
    while (pos < text.length) {
      re.lastIndex = pos;
      const m = re.exec(text);
      if (!m) throw new SecretsError("tree-path", `invalid path: expected ["key"] or [index] at character ${pos + 1}`);
      if (m[1] !== undefined) out.push(JSON.parse(`"${m[1]}"`) as string);
      else if (m[2] !== undefined) out.push(m[2]);
      else out.push(Number(m[3]));
      pos = re.lastIndex;
    }
    if (!out.length) throw new SecretsError("tree-path", "invalid path: empty");
    return out;
  }
  if (!text) throw new SecretsError("tree-path", "invalid path: empty");
  const parts = text.split(".");
  if (parts.some((p) => p === "")) throw new SecretsError("tree-path", "invalid path: empty segment");
  return parts;
}

export function formatTreePath(path: readonly PathSegment[]): string {
  return path.map((p) => (typeof p === "number" ? `[${p}]` : `[${JSON.stringify(p)}]`)).join("");
}

function values(l: Array<Value | Comment>): Value[] {
  return l.filter((x) => !(x instanceof Comment)) as Value[];
}

function step(node: Value | undefined, seg: PathSegment): Value | undefined {
  if (node instanceof Branch) return node.get(String(seg));
  if (Array.isArray(node)) {
    const i = typeof seg === "number" ? seg : /^\d+$/.test(seg) ? Number(seg) : NaN;
    return Number.isInteger(i) ? values(node)[i] : undefined;
  }
  return undefined;
}

/** The value at `path` in the first document, or undefined. */
export function getPath(branch: Branch, path: readonly PathSegment[]): Value | undefined {
  let node: Value | undefined = branch;
  for (const seg of path) {
    node = step(node, seg);
    if (node === undefined) return undefined;
  }
  return node;
}

/**
 * Sets the value at `path`, creating missing maps (sops creates missing path elements; an index past
 * the end appends). Returns whether anything changed.
 */
export function setPath(branch: Branch, path: readonly PathSegment[], value: Value): boolean {
  if (!path.length) throw new SecretsError("tree-path", "invalid path: empty");
  let node: Value = branch;
  for (let i = 0; i < path.length; i++) {
    const seg = path[i]!;
    const last = i === path.length - 1;
    if (node instanceof Branch) {
      const key = String(seg);
      if (last) {
        const before = node.get(key);
        if (before !== undefined && sameValue(before, value)) return false;
        node.set(key, value);
        return true;
      }
      let next = node.get(key);
      if (!(next instanceof Branch) && !Array.isArray(next)) {
        next = typeof path[i + 1] === "number" ? [] : new Branch();
        node.set(key, next);
      }
      node = next;
    } else if (Array.isArray(node)) {
      const idx = typeof seg === "number" ? seg : /^\d+$/.test(seg) ? Number(seg) : NaN;
      if (!Number.isInteger(idx) || idx < 0) throw new SecretsError("tree-path", `path element ${formatTreePath([seg])} is not a list index`);
      // Map the index among values (comments skipped) to the underlying array position.
      const positions: number[] = node.flatMap((x, p) => (x instanceof Comment ? [] : [p]));
      if (last) {
        if (idx >= positions.length) {
          node.push(value);
          return true;
        }
        const p = positions[idx]!;
        if (sameValue(node[p] as Value, value)) return false;
        node[p] = value;
        return true;
      }
      let next: Value | undefined = idx < positions.length ? (node[positions[idx]!] as Value) : undefined;
      if (!(next instanceof Branch) && !Array.isArray(next)) {
        next = typeof path[i + 1] === "number" ? [] : new Branch();
        if (idx < positions.length) node[positions[idx]!] = next;
        else node.push(next);
      }
      node = next;
    } else {
      throw new SecretsError("tree-path", `cannot descend into a scalar at ${formatTreePath(path.slice(0, i))}`);
    }
  }
  return true;
}

/** Removes the value at `path`. Returns false when it was not there. */
export function unsetPath(branch: Branch, path: readonly PathSegment[]): boolean {
  if (!path.length) throw new SecretsError("tree-path", "invalid path: empty");
  const parent = path.length === 1 ? branch : getPath(branch, path.slice(0, -1));
  const seg = path[path.length - 1]!;
  if (parent instanceof Branch) return parent.delete(String(seg));
  if (Array.isArray(parent)) {
    const idx = typeof seg === "number" ? seg : Number(seg);
    const positions = parent.flatMap((x, p) => (x instanceof Comment ? [] : [p]));
    if (!Number.isInteger(idx) || idx < 0 || idx >= positions.length) return false;
    parent.splice(positions[idx]!, 1);
    return true;
  }
  return false;
}

function sameValue(a: Value, b: Value): boolean {
  return JSON.stringify(a, replacer) === JSON.stringify(b, replacer) && a?.constructor === b?.constructor;
}

function replacer(_k: string, v: unknown): unknown {
  if (typeof v === "bigint") return v.toString();
  if (v instanceof Uint8Array) return Buffer.from(v).toString("base64");
  if (v instanceof Branch) return { __branch: v.items };
  if (v instanceof Comment) return { __comment: v.text };
  if (v && typeof v === "object" && !Array.isArray(v)) {
    // Typed as always there, but a null-prototype object has no constructor.
    const ctor = (v as { constructor?: { name: string } }).constructor;
    if (ctor && ctor !== Object) return { [`__${ctor.name}`]: { ...v } };
  }
  return v;
}

/**
 * Parses a `set` value: JSON as in `sops set` (`'"text"'`, `5`, `{"a":1}`). Integers stay exact.
 * Throws kind `set-format` without quoting the value.
 */
export function parseJsonValue(text: string): Value {
  const t = text.trim();
  if (/^-?\d+$/.test(t)) return fromPlain(BigInt(t));
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    throw new SecretsError("set-format", "the value is not valid JSON (quote strings: '\"text\"', or add --raw for text as it is)");
  }
  // Before fromPlain, which recurses: a value nested too deep is a bad `set` value (exit 7).
  try {
    checkNesting(parsed, "the value");
  } catch (e) {
    throw new SecretsError("set-format", (e as Error).message);
  }
  return fromPlain(parsed);
}
