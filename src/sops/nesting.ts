import { SecretsError } from "../errors.js";
import { Branch } from "./tree.js";

/**
 * How deep maps and lists may nest, in every store and in every tree handed to the format layer.
 *
 * Real secrets files nest a handful of levels; the walkers over the tree (encrypt/decrypt, the
 * emitters, plain conversions) recurse once or twice per level, and at a few thousand levels they
 * would overflow the stack (a RangeError, not an error about the file). Go's `encoding/json` stops
 * at 10,000; this is far lower because the `yaml` package's parser (the full YAML reader) recurses
 * too, and overflows Node's default stack at ~700 levels of flow nesting.
 */
export const MAX_NESTING = 256;

/** The one error for input nested too deep: kind `parse` (the I/O boundary adds the file name). */
export function nestingTooDeep(what = "the document", line?: number): SecretsError {
  const at = line === undefined ? "" : ` at line ${line}`;
  return new SecretsError("parse", `${what} nests maps and lists deeper than ${MAX_NESTING} levels${at}`);
}

/**
 * Throws `nestingTooDeep` when a tree value, or plain JS data (a `set` value, an SDK object), nests
 * containers deeper than MAX_NESTING. Iterative, so the check itself cannot overflow.
 */
export function checkNesting(value: unknown, what?: string): void {
  const stack: Array<{ v: unknown; depth: number }> = [{ v: value, depth: 0 }];
  while (stack.length) {
    const { v, depth } = stack.pop()!;
    let children: unknown[];
    if (v instanceof Branch) children = v.items.map((it) => ("key" in it ? it.value : null));
    else if (Array.isArray(v)) children = v;
    else if (v !== null && typeof v === "object" && [Object.prototype, null].includes(Object.getPrototypeOf(v) as object | null)) children = Object.values(v);
    else continue;
    if (depth + 1 > MAX_NESTING) throw nestingTooDeep(what);
    for (const c of children) stack.push({ v: c, depth: depth + 1 });
  }
}
