/**
 * `GET <mount>/subkeys/<path>` (path_subkeys.go): a secret's structure with its values removed.
 * Every leaf — a value that is not a map, or a map with no keys — becomes null; with `depth` N > 0,
 * maps at depth N are leaves too (depth 0: no limit). Arrays are leaves, as in Vault (only
 * `map[string]interface{}` is walked). Nothing of a value survives: not its type, not its length.
 */
import type { ExactPlainValue } from "../../sops/tree.js";

export type Subkeys = { [key: string]: Subkeys | null };

const isMap = (v: unknown): v is Record<string, ExactPlainValue> => v !== null && typeof v === "object" && !Array.isArray(v);

/** `removeValues(data, maxDepth)` of path_subkeys.go, as a new object (the input is left alone). */
export function subkeysOf(data: Readonly<Record<string, ExactPlainValue>>, maxDepth: number): Subkeys {
  const walk = (map: Readonly<Record<string, ExactPlainValue>>, depth: number): Subkeys => {
    const out: Subkeys = {};
    for (const [key, value] of Object.entries(map)) {
      const next = depth + 1;
      const keep = isMap(value) && Object.keys(value).length > 0 && (maxDepth === 0 || next <= maxDepth);
      Object.defineProperty(out, key, { value: keep ? walk(value, next) : null, enumerable: true, writable: true, configurable: true });
    }
    return out;
  };
  return walk(data, 1);
}
