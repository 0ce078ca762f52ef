import { toBytes } from "../sops/cipher.js";
import { Branch, Comment, toPlainValue, type Value } from "../sops/tree.js";

/**
 * Comparing and showing decrypted values. Equality is what sops would store: two values are the same
 * when they encrypt to the same type tag and plaintext bytes (so a string and the same UTF-8 bytes
 * are equal, an int 1 and a float 1 are not), and two mappings or lists are the same when their
 * items, comments included, are.
 */

export function sameValue(a: Value | undefined, b: Value | undefined): boolean {
  if (a === undefined || b === undefined) return a === b;
  if (a === null || b === null) return a === b;
  if (a instanceof Branch || b instanceof Branch) {
    if (!(a instanceof Branch && b instanceof Branch) || a.items.length !== b.items.length) return false;
    return a.items.every((x, i) => sameItem(x, b.items[i]!));
  }
  if (Array.isArray(a) || Array.isArray(b)) {
    if (!(Array.isArray(a) && Array.isArray(b)) || a.length !== b.length) return false;
    return a.every((x, i) => sameListEntry(x, b[i]!));
  }
  const x = toBytes(a);
  const y = toBytes(b);
  return x.type === y.type && Buffer.compare(Buffer.from(x.bytes), Buffer.from(y.bytes)) === 0;
}

function sameItem(x: Branch["items"][number], y: Branch["items"][number]): boolean {
  if (x instanceof Comment || y instanceof Comment) return x instanceof Comment && y instanceof Comment && x.text === y.text;
  return x.key === y.key && sameValue(x.value, y.value);
}

function sameListEntry(x: Value | Comment, y: Value | Comment): boolean {
  if (x instanceof Comment || y instanceof Comment) return x instanceof Comment && y instanceof Comment && x.text === y.text;
  return sameValue(x, y);
}

/** A one-line rendering of a decrypted value for `--values` output (JSON, with types kept readable). */
export function showValue(v: Value | undefined): string {
  if (v === undefined) return "(absent)";
  if (v instanceof Branch || Array.isArray(v)) return JSON.stringify(toPlainValue(v));
  if (v === null) return "null";
  const { bytes, type } = toBytes(v);
  const text = Buffer.from(bytes).toString("utf8");
  return type === "str" ? JSON.stringify(text) : text;
}
