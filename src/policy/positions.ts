/**
 * Where things are in a parsed `.sops.yaml`: the YAML node at a path such as
 * ["creation_rules", 1, "age"], following aliases and `<<` merges, so messages can give a line and column.
 */
import { isAlias, isMap, isScalar, isSeq, type Alias, type Document, type Node as YamlNode, type Pair, type YAMLMap } from "yaml";

export type ConfigPath = ReadonlyArray<string | number>;

/** 1-based line and column. */
export type Pos = { line: number; col: number };

/** Whether a pair is a `<<` merge key. */
export function isMergeKey(pair: Pair): boolean {
  const k = pair.key;
  return isScalar(k) && (k.source === "<<" || k.value === "<<" || typeof k.value === "symbol");
}

function deref(doc: Document.Parsed, node: unknown): unknown {
  let n = node;
  for (let i = 0; i < 100 && isAlias(n); i++) n = n.resolve(doc);
  return n;
}

/** The pair for `key` in `map`, including keys merged in through `<<` (the map's own keys win). */
export function findPair(doc: Document.Parsed, map: YAMLMap, key: string | number, depth = 0): Pair | undefined {
  for (const pair of map.items) {
    const k = pair.key;
    if (isScalar(k) && !isMergeKey(pair) && String(k.value) === String(key)) return pair;
  }
  if (depth > 20) return undefined;
  // Keys that came in through `<<: *anchor`. Later sources lose to earlier ones, as in the yaml package.
  for (const pair of map.items) {
    if (!isMergeKey(pair)) continue;
    const sources = isSeq(pair.value) ? pair.value.items : [pair.value];
    for (const s of sources) {
      const target = deref(doc, s);
      if (isMap(target)) {
        const found = findPair(doc, target, key, depth + 1);
        if (found) return found;
      }
    }
  }
  return undefined;
}

/**
 * The node at `at`, or the deepest existing ancestor (so a missing key reports its parent's line).
 * Aliases are followed; the last one crossed is returned too, so a message can say where it was used.
 */
export function nodeAt(doc: Document.Parsed, at: ConfigPath): { node: YamlNode | undefined; alias: Alias | undefined } {
  let node: unknown = doc.contents;
  let best = node as YamlNode | undefined;
  let alias: Alias | undefined;
  const follow = (n: unknown) => {
    if (isAlias(n)) alias = n;
    return deref(doc, n);
  };
  for (const seg of at) {
    node = follow(node);
    let next: unknown;
    if (isMap(node)) {
      const pair = findPair(doc, node, seg);
      if (!pair) break;
      next = pair.value ?? pair.key;
      if (next === null || (isScalar(next) && next.range === undefined)) next = pair.key;
    } else if (isSeq(node) && typeof seg === "number") {
      next = node.items[seg];
    } else {
      break;
    }
    if (next === undefined || next === null) break;
    node = next;
    best = node as YamlNode;
  }
  const last = follow(best);
  if (last && typeof last === "object") best = last as YamlNode;
  return { node: best, alias };
}

/** Keys sorted by where they appear in the file (unknown positions last, stable). */
export function byPosition<T extends string>(positionOf: (key: T) => Pos | undefined, keys: readonly T[]): T[] {
  const key = (k: T) => {
    const p = positionOf(k);
    return p ? p.line * 1e6 + p.col : Number.MAX_SAFE_INTEGER;
  };
  return [...keys].sort((a, b) => key(a) - key(b));
}
