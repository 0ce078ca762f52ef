import { getPath, type PathSegment } from "../../src/sops/path.js";
import { goValToString } from "../../src/sops/stores/flatten.js";
import { Branch, type List, type Value } from "../../src/sops/tree.js";
import { treeLeaves } from "../../src/sops/walk.js";

/**
 * The values of a decrypted tree, as (key path, text) pairs in file order. Scalars become the text
 * sops' exec-env/dotenv output gives them (`true`, `3`, `1.5`, RFC 3339 times), except null, which
 * becomes the empty string rather than Go's `<nil>`. Non-UTF-8 bytes are decoded with replacement.
 */
export interface Leaf {
  path: PathSegment[];
  value: string;
}

function scalarText(v: Exclude<Value, Branch | List>): string {
  if (v === null) return "";
  const t = goValToString(v);
  return typeof t === "string" ? t : Buffer.from(t).toString("utf8");
}

/** Every scalar at or below `node`. */
export function leavesOf(node: Value, prefix: PathSegment[] = []): Leaf[] {
  return Array.from(treeLeaves(node, {}, prefix), (leaf) => ({ path: leaf.path, value: scalarText(leaf.value as Exclude<Value, Branch | List>) }));
}

/** The value at a path of the first document, or undefined. */
export function valueAt(branches: readonly Branch[], path: readonly PathSegment[]): Value | undefined {
  const root = branches[0] ?? new Branch();
  return path.length === 0 ? root : getPath(root, path);
}
