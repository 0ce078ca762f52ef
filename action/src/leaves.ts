import { getPath, type PathSegment } from "../../src/sops/path.js";
import { goValToString } from "../../src/sops/stores/flatten.js";
import { Branch, Comment, type Value } from "../../src/sops/tree.js";

/**
 * The values of a decrypted tree, as (key path, text) pairs in file order. Scalars become the text
 * sops' exec-env/dotenv output gives them (`true`, `3`, `1.5`, RFC 3339 times), except null, which
 * becomes the empty string rather than Go's `<nil>`. Non-UTF-8 bytes are decoded with replacement.
 */
export interface Leaf {
  path: PathSegment[];
  value: string;
}

function scalarText(v: Exclude<Value, Branch | Value[]>): string {
  if (v === null) return "";
  const t = goValToString(v);
  return typeof t === "string" ? t : Buffer.from(t).toString("utf8");
}

/** Every scalar at or below `node`. */
export function leavesOf(node: Value, prefix: PathSegment[] = []): Leaf[] {
  const out: Leaf[] = [];
  const walk = (v: Value, path: PathSegment[]) => {
    if (v instanceof Branch) {
      for (const it of v.items) if (!(it instanceof Comment)) walk(it.value, [...path, it.key]);
    } else if (Array.isArray(v)) {
      let i = 0;
      for (const x of v) if (!(x instanceof Comment)) walk(x as Value, [...path, i++]);
    } else {
      out.push({ path, value: scalarText(v) });
    }
  };
  walk(node, prefix);
  return out;
}

/** The value at a path of the first document, or undefined. */
export function valueAt(branches: readonly Branch[], path: readonly PathSegment[]): Value | undefined {
  const root = branches[0] ?? new Branch();
  return path.length === 0 ? root : getPath(root, path);
}
