import { Branch, setOwn, type Value } from "../../sops/tree.js";
import type { SecretValue } from "../../secrets/types.js";

/** A merge patch as plain JSON data (keys as own properties, `__proto__` included). */
export type JsonPatch = SecretValue;

/**
 * `set(path, value)` as a JSON merge patch (RFC 7396) of the secret's data, when one can say it:
 * the value at the key path becomes `value` exactly, as `setPath` makes it in a file (missing maps
 * created, a scalar on the way replaced by a map), and nothing else changes. A map value replaces
 * the old one whole: the patch names each old key the new map lacks with `null`.
 *
 * It cannot be said (null: write the whole data instead) when the value holds a null anywhere (a
 * merge patch's null removes a key) or when the key path goes through a list (a merge patch
 * replaces a list whole, where `setPath` indexes into it).
 */
export function setAsMergePatch(data: Branch, keyPath: readonly string[], value: SecretValue): JsonPatch | null {
  if (holdsNull(value)) return null;
  let node: Value | undefined = data;
  for (const key of keyPath.slice(0, -1)) {
    node = node instanceof Branch ? node.get(key) : undefined;
    if (Array.isArray(node)) return null;
  }
  const last = keyPath[keyPath.length - 1]!;
  let patch: JsonPatch = replacement(node instanceof Branch ? node.get(last) : undefined, value);
  for (let i = keyPath.length - 1; i >= 0; i--) patch = own(keyPath[i]!, patch);
  return patch;
}

function holdsNull(v: SecretValue): boolean {
  if (v === null) return true;
  if (Array.isArray(v)) return v.some(holdsNull);
  if (typeof v === "object") return Object.values(v).some(holdsNull);
  return false;
}

function isMap(v: SecretValue): v is { [key: string]: SecretValue } {
  return v !== null && typeof v === "object" && !Array.isArray(v);
}

/** The patch that turns `current` into `value`. */
function replacement(current: Value | undefined, value: SecretValue): JsonPatch {
  if (!isMap(value)) return value;
  const out: Record<string, JsonPatch> = {};
  if (current instanceof Branch) for (const k of current.keys()) if (!Object.hasOwn(value, k)) setOwn(out, k, null);
  for (const [k, v] of Object.entries(value)) setOwn(out, k, replacement(current instanceof Branch ? current.get(k) : undefined, v));
  return out;
}

function own(key: string, v: JsonPatch): Record<string, JsonPatch> {
  const o: Record<string, JsonPatch> = {};
  setOwn(o, key, v);
  return o;
}
