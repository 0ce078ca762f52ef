import type { Alias, Document, LineCounter, Node as YNode, Scalar as YScalar } from "yaml";
import { SecretsError } from "../../errors.js";
import { Branch, Comment, fromPlain, SopsFloat, SopsInt, SopsTime, toPlainValue, type List, type PlainValue, type Scalar, type StoredDocument, type Value } from "../tree.js";
import { MAX_NESTING, nestingTooDeep } from "../nesting.js";
import { doubleQuote, resolvePlain, scalarText, stringStyle } from "./goyaml.js";
import { describeYamlSyntaxError } from "./yaml-errors.js";
import { parseFastYaml } from "./yaml-fast.js";
import { loadYamlLib } from "./yaml-lib.js";
import type { EmitOptions, Store } from "./store.js";

/**
 * YAML store: go-yaml v3 semantics (what sops uses) on top of the `yaml` package's parser.
 *
 * Reading: every scalar is parsed as text (failsafe schema) and typed here with go-yaml v3's rules,
 * so `0755` is int 493, `yes` a string and `2024-01-01` a timestamp, as in sops. Anchors are expanded
 * (with a size budget against alias bombs), comments become Comment items.
 * Writing: go-yaml v3's block layout, indent 4 by default, with its quoting and indentation rules, so
 * a file written here is byte-identical to sops' for the same tree.
 */

/** The `yaml` package (see yaml-lib.ts for how the CLI defers loading it). */
let yamlLib: typeof import("yaml") | undefined;
function Y(): typeof import("yaml") {
  yamlLib ??= loadYamlLib();
  return yamlLib;
}

/** Expanded nodes allowed per file: generous for real files, fatal for "billion laughs". */
const EXPANSION_BUDGET = 1_000_000;

const enc = new TextEncoder();
const dec = new TextDecoder("utf-8", { fatal: true });

function parseError(message: string, line?: number): SecretsError {
  return new SecretsError("parse", line ? `invalid YAML at line ${line}: ${message}` : `invalid YAML: ${message}`);
}

function commentLines(text: string | null | undefined): string[] {
  if (!text) return [];
  // Empty strings are blank lines between comments (not comments); the `yaml` package reports a
  // bare `#` as " ", where go-yaml (and so sops) has an empty comment.
  return text
    .split("\n")
    .filter((l) => l.length > 0)
    .map((l) => (l === " " ? "" : l));
}

/** A scalar's source text; null (an empty value) is "". */
function sourceText(node: YScalar): string {
  const raw = node.value;
  if (typeof raw === "string") return raw;
  if (raw === null || raw === undefined) return "";
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the failsafe schema makes every value a string; this only keeps any other readable.
  return String(raw);
}

class Reader {
  private budget = EXPANSION_BUDGET;
  /** Each alias's target: the latest anchor of that name before it, found in one pass. */
  private readonly targets = new Map<Alias, unknown>();

  constructor(
    private readonly doc: Document.Parsed,
    private readonly lc: LineCounter,
  ) {
    const latest = new Map<string, unknown>();
    Y().visit(doc, {
      Alias: (_k, a) => {
        this.targets.set(a, latest.get(a.source));
      },
      Node: (_k, n) => {
        if ((n as { anchor?: string }).anchor) latest.set((n as { anchor: string }).anchor, n);
      },
    });
  }

  private line(node: { range?: [number, number, number] | null } | undefined): number | undefined {
    const off = node?.range?.[0];
    return off === undefined ? undefined : this.lc.linePos(off).line;
  }

  private spend(): void {
    if (--this.budget < 0) throw parseError("document too large after expanding aliases (alias bomb?)");
  }

  private deref(node: unknown, depth = 0): unknown {
    if (Y().isAlias(node)) {
      if (depth > 100) throw parseError("alias chain too deep");
      const target = this.targets.get(node);
      if (!target) throw parseError("unknown alias (its name is not shown: an unquoted value starting with * is an alias; quote it)", this.line(node));
      return this.deref(target, depth + 1);
    }
    return node;
  }

  scalar(node: YScalar): Scalar {
    this.spend();
    const text = sourceText(node);
    const tag = node.tag;
    if (tag) {
      const t = tag.replace(/^tag:yaml\.org,2002:/, "!!");
      switch (t) {
        case "!!str":
          return text;
        case "!!binary": {
          // `text` is the source (resolveKnownTags is off: the `yaml` package would decode it itself,
          // leniently). go-yaml refuses what Go's base64.StdEncoding cannot decode; Buffer.from would
          // silently skip the bad characters and decode the rest.
          const b64 = text.replace(/\s+/g, "");
          if (b64.length % 4 !== 0 || !/^[A-Za-z0-9+/]*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/.test(b64)) {
            throw parseError("a !!binary value is not valid base64", this.line(node));
          }
          return new Uint8Array(Buffer.from(b64, "base64"));
        }
        case "!!null":
          return null;
        case "!!bool":
        case "!!int":
        case "!!float":
        case "!!timestamp": {
          const v = resolvePlain(text);
          const ok =
            (t === "!!bool" && typeof v === "boolean") ||
            (t === "!!int" && v instanceof SopsInt) ||
            (t === "!!float" && (v instanceof SopsFloat || v instanceof SopsInt)) ||
            (t === "!!timestamp" && v instanceof SopsTime);
          if (!ok) throw parseError(`cannot decode a ${t} scalar`, this.line(node));
          return t === "!!float" && v instanceof SopsInt ? new SopsFloat(Number(v.value)) : v;
        }
        default:
          // go-yaml decodes unknown local tags (`!secret x`) as their plain value.
          break;
      }
    }
    if (node.type === "PLAIN") return resolvePlain(text);
    return text;
  }

  /** `ownCommentsTaken`: the node's leading comments were already placed by the caller. */
  /** `depth`: the containers `node` is in; it is one more level when it is a map or sequence. */
  value(node: unknown, ownCommentsTaken: boolean, depth: number): Value {
    const n = this.deref(node);
    if (n === null || n === undefined) return null;
    if (Y().isScalar(n)) return this.scalar(n);
    if ((Y().isMap(n) || Y().isSeq(n)) && depth >= MAX_NESTING) throw nestingTooDeep("the YAML document", this.line(n));
    if (Y().isMap(n)) return this.map(n, ownCommentsTaken, depth + 1);
    if (Y().isSeq(n)) return this.seq(n, depth + 1);
    throw parseError("unsupported YAML node", this.line(n));
  }

  /** Comments before and after a node, as the `yaml` package attaches them. */
  private pushComments(into: unknown[], text: string | null | undefined, inline = false): void {
    for (const l of commentLines(text)) into.push(new Comment(l, inline));
  }

  map(node: unknown, topLevel: boolean, depth: number): Branch {
    const m = node as { items: unknown[]; commentBefore?: string | null; comment?: string | null };
    const items: Array<Branch["items"][number]> = [];
    if (!topLevel) this.pushComments(items, m.commentBefore);
    for (const p of m.items) {
      if (!Y().isPair(p)) continue;
      this.spend();
      const keyNode = this.deref(p.key);
      if (!Y().isScalar(keyNode)) throw parseError("complex mapping keys are not supported", this.line(p.key as YNode));
      this.pushComments(items, (p.key as YScalar).commentBefore);
      const k = keyNode.type === "PLAIN" && !keyNode.tag ? resolvePlain(sourceText(keyNode)) : this.scalar(keyNode);
      const keyText = sourceText(keyNode);
      if (typeof k !== "string" && keyText !== "<<") {
        throw parseError("mapping keys must be strings (quote the key)", this.line(p.key as YNode));
      }
      const valueNode = p.value as (YNode & { commentBefore?: string | null; comment?: string | null }) | null;
      const isScalarValue = valueNode !== null && (Y().isScalar(valueNode) || Y().isAlias(valueNode));
      if (isScalarValue) this.pushComments(items, valueNode.commentBefore);
      items.push({ key: typeof k === "string" ? k : keyText, value: this.value(valueNode, false, depth) });
      if (isScalarValue) this.pushComments(items, valueNode.comment, true);
    }
    this.pushComments(items, m.comment);
    return new Branch(items);
  }

  seq(node: unknown, depth: number): List {
    const s = node as { items: unknown[]; commentBefore?: string | null; comment?: string | null };
    const out: List = [];
    this.pushComments(out, s.commentBefore);
    for (const it of s.items) {
      const n = it as (YNode & { commentBefore?: string | null; comment?: string | null }) | null;
      const scalarItem = n !== null && (Y().isScalar(n) || Y().isAlias(n));
      // go-yaml makes a comment before `- ` the item's head comment, which sops puts in the list,
      // whatever the item is (a mapping item's leading comments do not go inside the mapping).
      if (n !== null) this.pushComments(out, n.commentBefore);
      out.push(this.value(n, true, depth));
      if (scalarItem) this.pushComments(out, n.comment, true);
    }
    this.pushComments(out, s.comment);
    return out;
  }

  document(): Branch {
    const d = this.doc;
    const contents = d.contents;
    let branch: Branch;
    if (contents === null || (Y().isScalar(contents) && contents.value === null && !contents.tag && contents.source === "")) {
      branch = new Branch([]);
    } else if (Y().isMap(contents)) {
      branch = this.map(contents, true, 1);
      branch.items.unshift(...commentLines((contents as { commentBefore?: string }).commentBefore).map((l) => new Comment(l)));
    } else if (Y().isSeq(contents)) {
      throw parseError("YAML documents that are sequences are not supported");
    } else {
      throw parseError("YAML documents that are values are not supported");
    }
    branch.items.unshift(...commentLines(d.commentBefore).map((l) => new Comment(l)));
    branch.items.push(...commentLines(d.comment).map((l) => new Comment(l)));
    return branch;
  }
}

function decodeUtf8(input: Uint8Array): string {
  try {
    return dec.decode(input);
  } catch {
    throw parseError("the file is not UTF-8 text");
  }
}

function parseBranches(input: Uint8Array): Branch[] {
  const text = decodeUtf8(input);
  return parseFastYaml(text) ?? parseYamlFull(text);
}

/**
 * Refuses text whose maps and lists could nest deeper than MAX_NESTING before the `yaml` package
 * sees it: its parser recurses per level, and at the stack limit V8 may abort the process outright
 * (a regexp compiled there fails as "out of memory") instead of throwing. The estimate errs high:
 * block levels by indentation and leading `- ` markers, plus open `[`/`{` outside quotes, comments
 * and block scalars. The Reader then counts the real tree (anchors included) exactly.
 */
function checkYamlTextNesting(text: string): void {
  const indents: number[] = [];
  let flow = 0;
  let blockScalarIndent = -1;
  let lineNo = 0;
  for (const line of text.split("\n")) {
    lineNo++;
    let i = 0;
    while (line[i] === " ") i++;
    if (i === line.length || line[i] === "#") continue;
    if (blockScalarIndent >= 0) {
      if (i > blockScalarIndent) continue;
      blockScalarIndent = -1;
    }
    if (flow === 0) {
      while (indents.length && indents[indents.length - 1]! >= i) indents.pop();
      indents.push(i);
    }
    let tokenStart = true;
    for (; i < line.length; i++) {
      const c = line[i]!;
      if (c === " " || c === "\t") {
        tokenStart = true;
        continue;
      }
      if (c === "#" && tokenStart) break;
      if ((c === "'" || c === '"') && tokenStart) {
        // Skip the quoted scalar on this line (a multi-line one only hides brackets: errs high).
        for (i++; i < line.length && line[i] !== c; i++) if (c === '"' && line[i] === "\\") i++;
        tokenStart = false;
        continue;
      }
      const opens: boolean = (c === "[" || c === "{") && (tokenStart || flow > 0);
      if (opens) flow++;
      else if ((c === "]" || c === "}") && flow > 0) flow--;
      else if (c === "-" && tokenStart && flow === 0 && (line[i + 1] === " " || i + 1 === line.length)) indents.push(i + 1);
      if (indents.length + flow > MAX_NESTING) throw nestingTooDeep("the YAML document", lineNo);
      tokenStart = opens || (c === "," && flow > 0) || (c === ":" && (line[i + 1] === " " || i + 1 === line.length));
    }
    if (flow === 0 && /(^|\s)[|>][-+0-9]*(\s+#.*)?$/.test(line.trimEnd())) {
      let ind = 0;
      while (line[ind] === " ") ind++;
      blockScalarIndent = ind;
    }
  }
}

/** The full parser (the `yaml` package plus go-yaml typing): any YAML, with line-numbered errors. */
export function parseYamlFull(text: string): Branch[] {
  checkYamlTextNesting(text);
  const lc = new (Y().LineCounter)();
  let docs: Document.Parsed[];
  try {
    docs = Y().parseAllDocuments(text, { schema: "failsafe", resolveKnownTags: false, lineCounter: lc, prettyErrors: false, uniqueKeys: true, keepSourceTokens: false }) as Document.Parsed[];
    if (!Array.isArray(docs)) docs = [docs];
  } catch {
    throw parseError("cannot parse the file");
  }
  const out: Branch[] = [];
  for (const d of docs) {
    const err = d.errors[0];
    if (err) {
      // The `yaml` package's messages can quote source text; ours never do (yaml-errors.ts).
      const p = describeYamlSyntaxError(err, text, lc);
      throw new SecretsError("parse", `invalid YAML at line ${p.line}, column ${p.column}: ${p.message}`);
    }
    out.push(new Reader(d, lc).document());
  }
  return out;
}

// ---------------------------------------------------------------------------------------------
// Emitter (go-yaml v3 block style)

class Writer {
  readonly out: string[] = [];
  constructor(private readonly best: number) {}

  /** go-yaml `increase_indent`: the next indentation level for a nested block. */
  nextIndent(indent: number): number {
    return this.best * Math.floor((indent + this.best) / this.best);
  }

  private comments(lines: string[], indent: number): void {
    if (lines.length === 0) return;
    const pad = " ".repeat(indent);
    for (const l of lines) this.out.push(pad + "#" + l);
  }

  private scalarInline(v: Scalar, simpleKey: boolean, indent: number): { text: string; block?: string[] } {
    if (typeof v === "string") {
      const style = stringStyle(v, simpleKey);
      if (style === "plain") return { text: v };
      if (style === "single") return { text: "'" + v.replace(/'/g, "''") + "'" };
      if (style === "double") return { text: doubleQuote(v) };
      return this.literal(v, indent);
    }
    if (v instanceof Uint8Array) {
      const s = Buffer.from(v).toString("utf8");
      if (Buffer.from(s, "utf8").equals(Buffer.from(v))) return this.scalarInline(s, simpleKey, indent);
      return { text: "!!binary " + Buffer.from(v).toString("base64") };
    }
    return { text: scalarText(v) };
  }

  /** A literal block scalar (`|`, `|-`, `|+`); content lines at `indent`. */
  private literal(v: string, indent: number): { text: string; block: string[] } {
    let header = "|";
    if (v[0] === " " || v[0] === "\n") header += String(this.best);
    if (!v.endsWith("\n")) header += "-";
    else if (v.length === 1 || v[v.length - 2] === "\n") header += "+";
    const body = v.endsWith("\n") ? v.slice(0, -1) : v;
    const lines = body.split("\n").map((l) => (l.length ? " ".repeat(indent) + l : ""));
    return { text: header, block: lines };
  }

  /** Writes `prefix` + the value; `indent` is the enclosing mapping/sequence indent. */
  private value(prefix: string, v: Value, indent: number, inSeqItem: boolean, trailing: string): void {
    if (v instanceof Branch) {
      const nonComment = v.items.some((i) => !(i instanceof Comment));
      if (!nonComment) {
        this.out.push(prefix + " {}" + trailing);
        this.comments(v.items.map((c) => (c as Comment).text), this.nextIndent(indent));
        return;
      }
      this.out.push(prefix + trailing);
      this.mapping(v, this.nextIndent(indent), null);
      return;
    }
    if (Array.isArray(v)) {
      if (!v.some((i) => !(i instanceof Comment))) {
        this.out.push(prefix + " []" + trailing);
        return;
      }
      this.out.push(prefix + trailing);
      this.sequence(v, this.nextIndent(indent));
      return;
    }
    const contentIndent = inSeqItem ? indent + 2 : this.nextIndent(indent);
    const s = this.scalarInline(v, false, contentIndent);
    this.out.push(prefix + " " + s.text + trailing);
    if ("block" in s && s.block) this.out.push(...s.block);
  }

  private key(k: string): string {
    return this.scalarInline(k, true, 0).text;
  }

  /**
   * A block mapping at `indent`. `firstPrefix`, when given, is the `- ` text that the first key
   * shares a line with (a mapping that is a sequence item).
   */
  mapping(b: Branch, indent: number, firstPrefix: string | null): void {
    const items = b.items;
    const pad = " ".repeat(indent);
    let pending: string[] = [];
    let first = true;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (it instanceof Comment) {
        pending.push(it.text);
        continue;
      }
      const next = items[i + 1];
      let trailing = "";
      if (next instanceof Comment && next.inline) {
        trailing = " #" + next.text;
        i++;
      }
      const lead = first && firstPrefix !== null ? firstPrefix : pad;
      // Per value: no call and no new array unless there are comments to write.
      if (pending.length) {
        this.comments(pending, first && firstPrefix !== null ? indent - 2 : indent);
        pending = [];
      }
      this.value(lead + this.key(it.key) + ":", it.value, indent, false, trailing);
      first = false;
    }
    this.comments(pending, indent);
  }

  /** A block sequence whose `- ` markers stand at column `indent`. */
  sequence(l: List, indent: number): void {
    let pending: string[] = [];
    for (let i = 0; i < l.length; i++) {
      const it = l[i]!;
      if (it instanceof Comment) {
        pending.push(it.text);
        continue;
      }
      const next = l[i + 1];
      let trailing = "";
      if (next instanceof Comment && next.inline) {
        trailing = " #" + next.text;
        i++;
      }
      this.comments(pending, indent);
      pending = [];
      const dash = " ".repeat(indent) + "-";
      if (it instanceof Branch && it.items.some((x) => !(x instanceof Comment))) {
        this.mapping(it, indent + 2, dash + " ");
      } else if (Array.isArray(it) && it.some((x) => !(x instanceof Comment))) {
        // Nested sequence: go-yaml puts its first `- ` on the same line.
        const start = this.out.length;
        this.sequence(it, indent + 2);
        this.out[start] = dash + " " + this.out[start]!.slice(indent + 2);
      } else {
        this.value(dash, it, indent, true, trailing);
      }
    }
    this.comments(pending, indent);
  }
}

function emitBranches(branches: Branch[], indent: number): string {
  const parts: string[] = [];
  for (const b of branches) {
    const w = new Writer(indent);
    if (b.items.some((i) => !(i instanceof Comment))) w.mapping(b, 0, null);
    else {
      for (const c of b.items) w.out.push("#" + (c as Comment).text);
      if (!b.items.length) w.out.push("{}");
    }
    parts.push(w.out.join("\n") + "\n");
  }
  return parts.join("---\n");
}

export const yamlStore: Store = {
  format: "yaml",

  parseEncrypted(input: Uint8Array): StoredDocument {
    const branches = parseBranches(input);
    let metadata: PlainValue | null = null;
    branches.forEach((b, i) => {
      const m = b.get("sops");
      if (m !== undefined) {
        if (i === 0) metadata = toPlainValue(m);
        b.delete("sops");
      }
    });
    return { branches, metadata };
  },

  parsePlain(input: Uint8Array): Branch[] {
    return parseBranches(input);
  },

  emitEncrypted(doc, options?: EmitOptions): Uint8Array {
    const meta = fromPlain(doc.metadata);
    const withMeta = doc.branches.map((b) => new Branch([...b.items, { key: "sops", value: meta }]));
    return enc.encode(emitBranches(withMeta, options?.indent ?? 4));
  },

  emitPlain(branches, options?: EmitOptions): Uint8Array {
    return enc.encode(emitBranches(branches, options?.indent ?? 4));
  },

  emitValue(value: Value, options?: EmitOptions): Uint8Array {
    const w = new Writer(options?.indent ?? 4);
    if (value instanceof Branch) w.mapping(value, 0, null);
    else if (Array.isArray(value)) w.sequence(value, 0);
    else {
      const line: string[] = [];
      const tmp = new Writer(options?.indent ?? 4);
      tmp.mapping(new Branch([{ key: "x", value }]), 0, null);
      // Reuse the mapping writer for quoting, then drop the `x:` key.
      line.push(...tmp.out);
      line[0] = line[0]!.slice(3);
      w.out.push(...line.map((l, i) => (i === 0 ? l : l.replace(/^ {4}/, ""))));
    }
    return enc.encode(w.out.join("\n") + "\n");
  },
};
