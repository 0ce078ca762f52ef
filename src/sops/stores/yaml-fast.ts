import { Branch, Comment, type List, type Value } from "../tree.js";
import { MAX_NESTING, nestingTooDeep } from "../nesting.js";
import { resolvePlain } from "./goyaml.js";

/**
 * A fast reader for the block-style YAML that go-yaml v3 writes, which is what sops and our own
 * emitter produce: block mappings and sequences, plain, single-quoted and escape-free double-quoted
 * one-line scalars, `|`/`|-` literal blocks, `{}`/`[]`, and full-line comments at the indentation of
 * the block they belong to.
 *
 * It returns null as soon as it meets anything else (anchors, tags, flow collections, folded or
 * multi-line plain scalars, escapes, inline comments, tabs, CRLF, several documents, odd comment
 * indentation…), and the caller falls back to the full parser. So it never has to be right about
 * anything but the subset, where it gives exactly the full parser's tree (tests hold it to that on
 * every fixture and on generated files). It exists because decrypting is start-up-bound: the full
 * parser costs ~60 ms per 1,000 values; this costs a few.
 */

interface Block {
  indent: number;
  kind: "map" | "seq";
  map?: Branch;
  seq?: List;
}

const plainKeyRe = /^[^\s#'"&*!|>%@`{}[\],?:-][^:#]*?$|^-[^\s:#][^:#]*?$/;

function scalar(raw: string): Value | undefined {
  if (raw === "") return null;
  const c = raw[0]!;
  if (c === "'") {
    if (raw.length < 2 || raw[raw.length - 1] !== "'") return undefined;
    const body = raw.slice(1, -1);
    if (/'(?!')/.test(body.replace(/''/g, ""))) return undefined;
    return body.replace(/''/g, "'");
  }
  if (c === '"') {
    if (raw.length < 2 || raw[raw.length - 1] !== '"') return undefined;
    const body = raw.slice(1, -1);
    if (body.includes("\\") || body.includes('"')) return undefined;
    return body;
  }
  if (raw === "{}") return new Branch();
  if (raw === "[]") return [];
  // Indicators that start something the subset does not cover.
  if ("&*!|>%@`{[]},?#".includes(c)) return undefined;
  if (c === "-" && (raw.length === 1 || raw[1] === " ")) return undefined;
  if (raw.includes(" #") || raw.includes(": ") || raw.endsWith(":") || raw.endsWith(" ")) return undefined;
  return resolvePlain(raw);
}

function key(raw: string): string | undefined {
  if (raw.startsWith('"') || raw.startsWith("'")) {
    const v = scalar(raw);
    return typeof v === "string" ? v : undefined;
  }
  if (!plainKeyRe.test(raw) || raw.endsWith(" ")) return undefined;
  const v = resolvePlain(raw);
  return typeof v === "string" ? v : undefined;
}

/** Parses `text` if it is in the subset; null otherwise (the caller then uses the full parser). */
export function parseFastYaml(text: string): Branch[] | null {
  if (text.length === 0 || text.includes("\r") || text.includes("\t") || text.charCodeAt(0) === 0xfeff) return null;
  const lines = text.split("\n");
  if (lines[lines.length - 1] === "") lines.pop();
  else return null; // go-yaml always ends with a newline
  const root = new Branch();
  const stack: Block[] = [{ indent: 0, kind: "map", map: root }];
  /** A key waiting for its value block: `key:` at the end of a line. */
  let pending: { owner: Block; key: string; indent: number } | null = null;
  const seen = new WeakMap<Branch, Set<string>>();

  const addItem = (b: Branch, k: string, v: Value): boolean => {
    let s = seen.get(b);
    if (!s) seen.set(b, (s = new Set()));
    if (s.has(k)) return false; // duplicate key: the full parser reports it
    s.add(k);
    b.items.push({ key: k, value: v });
    return true;
  };

  /** The stack holds every open block (the root included): its length is the nesting depth. */
  const open = (b: Block, lineNo: number): void => {
    if (stack.length >= MAX_NESTING) throw nestingTooDeep("the YAML document", lineNo);
    stack.push(b);
  };
  /** A `{}` or `[]` value is one level below the block it is in. */
  const checkLeaf = (v: Value, lineNo: number): void => {
    if ((v instanceof Branch || Array.isArray(v)) && stack.length >= MAX_NESTING) throw nestingTooDeep("the YAML document", lineNo);
  };

  for (let i = 0; i < lines.length; i++) {
    const line = lines[i]!;
    if (line.length === 0) return null;
    let ind = 0;
    while (line.charCodeAt(ind) === 32) ind++;
    const rest = line.slice(ind);
    if (rest.length === 0) return null;

    if (rest[0] === "#") {
      // A comment belongs to the open block at exactly its indentation (go-yaml writes head and foot
      // comments there). A pending `key:` opens its block at an indentation we only learn later.
      if (pending) return null;
      while (stack.length && stack[stack.length - 1]!.indent > ind) stack.pop();
      const target = stack[stack.length - 1];
      if (!target || target.indent !== ind) return null;
      const c = new Comment(rest.slice(1));
      if (target.kind === "map") target.map!.items.push(c);
      else target.seq!.push(c);
      continue;
    }
    if (rest === "---" || rest === "..." || rest.startsWith("--- ") || rest.startsWith("%")) return null;

    // Open the block a pending `key:` was waiting for.
    if (pending) {
      const isSeq = rest === "-" || rest.startsWith("- ");
      // go-yaml indents a nested block deeper than its key (sequences too: not "indentless").
      if (ind <= pending.indent) {
        // `key:` with nothing below: null.
        if (!addItem(pending.owner.map!, pending.key, null)) return null;
        pending = null;
      } else {
        const block: Block = isSeq ? { indent: ind, kind: "seq", seq: [] } : { indent: ind, kind: "map", map: new Branch() };
        if (!addItem(pending.owner.map!, pending.key, isSeq ? block.seq! : block.map!)) return null;
        open(block, i + 1);
        pending = null;
      }
    }

    while (stack.length && stack[stack.length - 1]!.indent > ind) stack.pop();
    let top = stack[stack.length - 1];
    if (!top || top.indent !== ind) return null;

    // Sequence items (possibly `- key: value`, a mapping that starts on the dash line).
    let body = rest;
    let bodyIndent = ind;
    while (body === "-" || body.startsWith("- ")) {
      if (top.kind !== "seq") return null;
      if (body === "-") return null; // item on the following lines: not written by go-yaml
      const after = body.slice(2);
      const extra = after.length - after.trimStart().length;
      if (extra) return null;
      bodyIndent += 2;
      if (after === "-" || after.startsWith("- ")) {
        const inner: Block = { indent: bodyIndent, kind: "seq", seq: [] };
        top.seq!.push(inner.seq!);
        open(inner, i + 1);
        top = inner;
        body = after;
        continue;
      }
      const colon = findKeyColon(after);
      if (colon < 0) {
        // A scalar item, or a literal block item.
        if (after === "|" || after === "|-") {
          // The content of a `- |` item is indented past the dash.
          const r = literal(lines, i + 1, after === "|-", bodyIndent - 2);
          if (!r) return null;
          top.seq!.push(r.value);
          i = r.next - 1;
        } else {
          const v = scalar(after);
          if (v === undefined) return null;
          checkLeaf(v, i + 1);
          top.seq!.push(v);
        }
        body = "";
        break;
      }
      const m: Block = { indent: bodyIndent, kind: "map", map: new Branch() };
      top.seq!.push(m.map!);
      open(m, i + 1);
      top = m;
      body = after;
      break;
    }
    if (body === "") continue;

    // `key: value`, `key:` (block follows), `key: |` / `key: |-`.
    if (top.kind !== "map") return null;
    const colon = findKeyColon(body);
    if (colon < 0) return null;
    const k = key(body.slice(0, colon));
    if (k === undefined) return null;
    const valueText = body.slice(colon + 1);
    if (valueText === "") {
      pending = { owner: top, key: k, indent: bodyIndent };
      continue;
    }
    if (valueText[0] !== " " || valueText[1] === " ") return null;
    const raw = valueText.slice(1);
    if (raw === "|" || raw === "|-") {
      const r = literal(lines, i + 1, raw === "|-", bodyIndent);
      if (!r) return null;
      if (!addItem(top.map!, k, r.value)) return null;
      i = r.next - 1;
      continue;
    }
    const v = scalar(raw);
    if (v === undefined) return null;
    checkLeaf(v, i + 1);
    if (!addItem(top.map!, k, v)) return null;
  }
  if (pending && !addItem(pending.owner.map!, pending.key, null)) return null;
  return [root];
}

/** The column of the `:` that ends a key (followed by space or end of line), or -1. */
function findKeyColon(s: string): number {
  if (s[0] === '"' || s[0] === "'") {
    const q = s[0];
    let j = 1;
    for (; j < s.length; j++) {
      if (s[j] === q) {
        if (q === "'" && s[j + 1] === "'") {
          j++;
          continue;
        }
        break;
      }
    }
    return s[j + 1] === ":" && (j + 2 === s.length || s[j + 2] === " ") ? j + 1 : -1;
  }
  for (let j = 0; j < s.length; j++) {
    if (s[j] === ":" && (j + 1 === s.length || s[j + 1] === " ")) return j;
    if (s[j] === "#" && j > 0 && s[j - 1] === " ") return -1;
  }
  return -1;
}

/**
 * A literal block scalar starting at line `start`: every content line is indented deeper than the
 * owner; empty lines are allowed inside. Returns the value and the index of the first line after it.
 */
function literal(lines: string[], start: number, strip: boolean, ownerIndent: number): { value: string; next: number } | null {
  let contentIndent = -1;
  const parts: string[] = [];
  let j = start;
  let trailingEmpty = 0;
  for (; j < lines.length; j++) {
    const l = lines[j]!;
    if (l.length === 0) {
      parts.push("");
      trailingEmpty++;
      continue;
    }
    let ind = 0;
    while (l.charCodeAt(ind) === 32) ind++;
    if (contentIndent < 0) {
      if (ind <= ownerIndent) break;
      contentIndent = ind;
    }
    if (ind < contentIndent) break;
    parts.push(l.slice(contentIndent));
    trailingEmpty = 0;
  }
  if (contentIndent < 0) return null;
  // Empty lines at the end would be clipped (`|`) or stripped (`|-`); go-yaml writes `|+` for
  // values that keep them, so their presence means the text is not go-yaml's: let the full parser judge.
  if (trailingEmpty) return null;
  const text = parts.join("\n");
  return { value: strip ? text : text + "\n", next: j };
}
