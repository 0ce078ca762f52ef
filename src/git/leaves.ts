import { formatTreePath, type PathSegment } from "../sops/path.js";
import type { Branch, Value } from "../sops/tree.js";
import { treeLeaves } from "../sops/walk.js";

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

/** Every leaf of the documents, in walk order, keyed by display path. */
export function leaves(branches: readonly Branch[]): Map<string, Leaf> {
  const out = new Map<string, Leaf>();
  branches.forEach((b, doc) => {
    for (const { path: segments, value } of treeLeaves(b)) {
      const path = leafPath(doc, segments, branches.length);
      out.set(path, { path, segments, doc, value });
    }
  });
  return out;
}

/** Whether `path` is `prefix` itself or lies under it (`["db"]` covers `["db"]["password"]`). */
export function underPath(path: string, prefix: string): boolean {
  return path === prefix || (path.startsWith(prefix) && path[prefix.length] === "[");
}
