import { formatTreePath, type PathSegment } from "../sops/path.js";
import { Branch, Comment, type Value } from "../sops/tree.js";

/**
 * A document as a flat list of its secrets: every scalar leaf with its path. This is the unit of
 * `log`, `diff` and `audit`: "a secret" is one leaf (a list element counts by its index). Comments
 * are not secrets and are skipped.
 */

export interface Leaf {
  /** The display form: `["db"]["password"]`, `["hosts"][0]`; `{1}["a"]` in the second YAML document. */
  path: string;
  segments: PathSegment[];
  /** Which YAML document (0 for every other format). */
  doc: number;
  value: Value;
}

export function leafPath(doc: number, segments: readonly PathSegment[], docs: number): string {
  const p = formatTreePath(segments);
  return docs > 1 ? `{${doc}}${p}` : p;
}

function walk(v: Value, segs: PathSegment[], emit: (segs: PathSegment[], v: Value) => void): void {
  if (v instanceof Branch) {
    for (const it of v.items) if (!(it instanceof Comment)) walk(it.value, [...segs, it.key], emit);
    return;
  }
  if (Array.isArray(v)) {
    let i = 0;
    for (const x of v) if (!(x instanceof Comment)) walk(x as Value, [...segs, i++], emit);
    return;
  }
  emit(segs, v);
}

/** Every leaf of the documents, in walk order, keyed by display path. */
export function leaves(branches: readonly Branch[]): Map<string, Leaf> {
  const out = new Map<string, Leaf>();
  branches.forEach((b, doc) => {
    walk(b, [], (segments, value) => {
      const path = leafPath(doc, segments, branches.length);
      out.set(path, { path, segments, doc, value });
    });
  });
  return out;
}

/** Whether `path` is `prefix` itself or lies under it (`["db"]` covers `["db"]["password"]`). */
export function underPath(path: string, prefix: string): boolean {
  return path === prefix || (path.startsWith(prefix) && path[prefix.length] === "[");
}
