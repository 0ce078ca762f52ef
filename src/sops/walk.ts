import type { PathSegment } from "./path.js";
import { Branch, Comment, type Value } from "./tree.js";

/** A value the walk does not descend into, with where it is. */
export interface TreeLeaf {
  /** Map keys and list indexes from the walk's start (a list index counts entries, not comments). */
  path: PathSegment[];
  value: Value;
}

export interface WalkOptions {
  /** A list is one leaf, not descended into (the SDK's unit of a secret). Default: false. */
  listsAsLeaves?: boolean;
  /**
   * A map or list with no entries (comments do not count) below the start is a leaf too. Default:
   * false, so an empty container yields nothing. The start itself, empty, never does.
   */
  emptyAsLeaves?: boolean;
  /** Keys of a mapping to skip with everything below them; asked once per mapping. */
  skipKeys?: (branch: Branch) => ReadonlySet<string>;
}

/**
 * Every leaf of `root` in document order (the order sops walks, which the MAC depends on): scalars,
 * plus what `options` make leaves. Comments are never leaves. Each leaf has its own `path` array,
 * which starts with `prefix`. Iterative, so depth costs no stack.
 */
export function* treeLeaves(root: Value, options: WalkOptions = {}, prefix: readonly PathSegment[] = []): Generator<TreeLeaf> {
  const stack: TreeLeaf[] = [{ path: [...prefix], value: root }];
  for (let top = stack.pop(); top !== undefined; top = stack.pop()) {
    const children = childrenOf(top, options);
    const belowStart = top.path.length > prefix.length;
    if (children === undefined || (children.length === 0 && options.emptyAsLeaves && belowStart)) yield top;
    else for (let i = children.length - 1; i >= 0; i--) stack.push(children[i]!);
  }
}

/** The entries of a container the walk descends into, or undefined for a leaf. */
function childrenOf({ path, value }: TreeLeaf, options: WalkOptions): TreeLeaf[] | undefined {
  if (value instanceof Branch) {
    const skip = options.skipKeys?.(value);
    const out: TreeLeaf[] = [];
    for (const it of value.items) if (!(it instanceof Comment) && !skip?.has(it.key)) out.push({ path: [...path, it.key], value: it.value });
    return out;
  }
  if (Array.isArray(value) && !options.listsAsLeaves) {
    const entries = value.filter((x): x is Value => !(x instanceof Comment));
    return entries.map((x, i) => ({ path: [...path, i], value: x }));
  }
  return undefined;
}
