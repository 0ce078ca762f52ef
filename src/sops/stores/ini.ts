import { SecretsError } from "../../errors.js";
import { Branch, Comment, type Item, type PlainValue, type StoredDocument, type Value } from "../tree.js";
import { flatScalarToString, flattenMetadata, goValToString, unflattenMetadata } from "./flatten.js";
import { goDecodeUtf8, isValidUtf8 } from "./utf8.js";
import type { Store } from "./store.js";

/**
 * INI store (sops' `stores/ini`, on go-ini v1 with non-unique sections allowed), emulating go-ini's
 * reader and writer:
 *
 * - every section is a top-level mapping; keys before the first header are in `DEFAULT`, which is
 *   always there (possibly empty) and is written without a header; a repeated header makes a second
 *   section; a key repeated inside one section is a parse error (go-ini keeps the last value);
 * - comment lines (`;` or `#`) above a section header become that section's comment, the first item
 *   of its mapping; comment lines above a key (and an inline `; …` after its value) become that key's
 *   comment, the item right *after* the key. Consecutive lines form one comment, joined by newlines.
 *   The leading `;`/`#` and spaces are stripped (sops' `stripCommentChar`); comments at the end of
 *   the file, after the last key, are dropped by go-ini;
 * - values: go-ini's quoting (`"""…"""` multi-line, `` `…` ``, surrounding `"…"`/`'…'` stripped),
 *   inline comments, `\` line continuation and `key: value` (`:` is a delimiter too);
 * - output: `key<pad> = value` with `=` aligned per section, a blank line between sections but none
 *   after the last (files of sops >= 3.8 end that way; 3.5–3.7 ones have an extra blank line),
 *   `; ` before comment lines, go-ini's value quoting. An empty DEFAULT section is left out entirely
 *   (the 3.13.2 fixture shows sops creating its sections in a file without go-ini's own DEFAULT);
 * - a final `[sops]` section holds the flattened metadata without prefix, newlines as the two
 *   characters `\n`; reading also accepts the `"""…"""` form of sops 3.13.0/3.13.1.
 *
 * The reader works on bytes as go-ini does: values that are not UTF-8 stay bytes.
 */

const DEFAULT_SECTION = "DEFAULT";
const SOPS_SECTION = "sops";

// ---------------------------------------------------------------------------------------------
// Byte strings: one char per byte (latin1), so offsets and lengths are Go's.

function toBytesString(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("latin1");
}

function bytesOf(s: string): Uint8Array {
  return new Uint8Array(Buffer.from(s, "latin1"));
}

/** A text (UTF-8 encoded) or raw bytes as a byte string. */
function bstr(v: string | Uint8Array): string {
  return toBytesString(typeof v === "string" ? Buffer.from(v, "utf8") : v);
}

/** The text of a byte string, as Go would see it (invalid bytes → U+FFFD). */
function text(s: string): string {
  return goDecodeUtf8(bytesOf(s));
}

/** The length of the `unicode.IsSpace` rune at `i` of a byte string (UTF-8 encoded), or 0. */
function spaceAt(s: string, i: number): number {
  const c = s.charCodeAt(i);
  if (c === 0x20 || (c >= 0x09 && c <= 0x0d)) return 1;
  if (c < 0x80 || Number.isNaN(c)) return 0;
  const d = s.charCodeAt(i + 1);
  const e = s.charCodeAt(i + 2);
  if (c === 0xc2) return d === 0x85 || d === 0xa0 ? 2 : 0; // U+0085, U+00A0
  if (c === 0xe1) return d === 0x9a && e === 0x80 ? 3 : 0; // U+1680
  if (c === 0xe2) {
    if (d === 0x80 && ((e >= 0x80 && e <= 0x8a) || e === 0xa8 || e === 0xa9 || e === 0xaf)) return 3; // U+2000–200A, 2028, 2029, 202F
    return d === 0x81 && e === 0x9f ? 3 : 0; // U+205F
  }
  if (c === 0xe3) return d === 0x80 && e === 0x80 ? 3 : 0; // U+3000
  return 0;
}

function trimLeft(s: string): string {
  let i = 0;
  for (let n = spaceAt(s, 0); n > 0; n = spaceAt(s, i)) i += n;
  return s.slice(i);
}

function trimRight(s: string): string {
  let end = s.length;
  for (;;) {
    if (end >= 1 && spaceAt(s, end - 1) === 1) end -= 1;
    else if (end >= 2 && spaceAt(s, end - 2) === 2) end -= 2;
    else if (end >= 3 && spaceAt(s, end - 3) === 3) end -= 3;
    else return s.slice(0, end);
  }
}

function trimSpace(s: string): string {
  return trimRight(trimLeft(s));
}

function indexAny(s: string, chars: string, from = 0): number {
  for (let i = from; i < s.length; i++) if (chars.includes(s[i]!)) return i;
  return -1;
}

// ---------------------------------------------------------------------------------------------
// Reading (go-ini's parser with sops' load options)

interface IniKey {
  name: string;
  value: string;
  comment: string;
}

interface IniSection {
  name: string;
  comment: string;
  keys: IniKey[];
}

function newKey(sec: IniSection, name: string, value: string): IniKey {
  const existing = sec.keys.find((k) => k.name === name);
  if (existing) {
    existing.value = value;
    return existing;
  }
  const k = { name, value, comment: "" };
  sec.keys.push(k);
  return k;
}

class IniReader {
  private pos = 0;
  private eof = false;
  private line = 0;
  private comment = "";

  constructor(private readonly s: string) {
    // BOM: UTF-16 BE/LE marks (2 bytes) or the UTF-8 one.
    if (s.startsWith("\xfe\xff") || s.startsWith("\xff\xfe")) this.pos = 2;
    else if (s.startsWith("\xef\xbb\xbf")) this.pos = 3;
  }

  private fail(what: string): SecretsError {
    return new SecretsError("parse", `invalid INI at line ${this.line}: ${what}`);
  }

  /** `bufio.Reader.ReadBytes('\n')`: the next line with its newline; at the end, what is left. */
  private readLine(): string {
    this.line++;
    const nl = this.s.indexOf("\n", this.pos);
    if (nl < 0) {
      const rest = this.s.slice(this.pos);
      this.pos = this.s.length;
      this.eof = true;
      return rest;
    }
    const l = this.s.slice(this.pos, nl + 1);
    this.pos = nl + 1;
    return l;
  }

  private keyName(line: string): [string, number] {
    let quote = "";
    if (line[0] === '"') quote = line.length > 6 && line.startsWith('"""') ? '"""' : '"';
    else if (line[0] === "`") quote = "`";
    if (quote) {
      const start = quote.length;
      const close = line.indexOf(quote, start);
      if (close < 0) throw this.fail("missing closing key quote");
      const d = indexAny(line, "=:", close + start);
      if (d < 0) throw this.fail("key-value delimiter not found");
      return [trimSpace(line.slice(start, close)), d + 1];
    }
    const d = indexAny(line, "=:");
    if (d < 0) throw this.fail("key-value delimiter not found");
    return [trimSpace(line.slice(0, d)), d + 1];
  }

  private multiline(val: string, quote: string): string {
    for (;;) {
      const next = this.readLine();
      const p = next.lastIndexOf(quote);
      if (p > -1) {
        val += next.slice(0, p);
        const c = indexAny(next, "#;", p);
        if (c > -1) this.comment += trimSpace(next.slice(c));
        return val;
      }
      val += next;
      if (this.eof) throw this.fail("missing closing value quote");
    }
  }

  private continuation(val: string): string {
    for (;;) {
      const next = trimSpace(this.readLine());
      if (!next) return val;
      val += next;
      if (!val.endsWith("\\")) return val;
      val = val.slice(0, -1);
    }
  }

  private value(raw: string): string {
    let line = trimLeft(raw);
    if (!line) return "";
    const quote = line.length > 3 && line.startsWith('"""') ? '"""' : line[0] === "`" ? "`" : "";
    if (quote) {
      const p = line.slice(quote.length).lastIndexOf(quote);
      if (p < 0) return this.multiline(line.slice(quote.length), quote);
      return line.slice(quote.length, p + quote.length);
    }
    line = trimSpace(line);
    if (line.endsWith("\\")) return this.continuation(line.slice(0, -1));
    const c = indexAny(line, "#;");
    if (c > -1) {
      this.comment += line.slice(c);
      line = trimSpace(line.slice(0, c));
    }
    const surrounded = (q: string) => line.length >= 2 && line[0] === q && line.endsWith(q) && line.indexOf(q, 1) === line.length - 1;
    if (surrounded("'") || surrounded('"')) line = line.slice(1, -1);
    return line;
  }

  read(): IniSection[] {
    let section: IniSection = { name: DEFAULT_SECTION, comment: "", keys: [] };
    const sections = [section];
    let count = 1;
    while (!this.eof) {
      const line = trimLeft(this.readLine());
      if (!line) continue;
      if (line[0] === "#" || line[0] === ";") {
        this.comment += line;
        continue;
      }
      if (line[0] === "[") {
        const close = line.lastIndexOf("]");
        if (close < 0) throw this.fail("unclosed section header");
        const name = line.slice(1, close);
        if (!name) throw this.fail("empty section name");
        section = { name, comment: "", keys: [] };
        sections.push(section);
        const c = indexAny(line, "#;", close + 1);
        if (c > -1) this.comment += line.slice(c);
        section.comment = trimSpace(this.comment);
        this.comment = "";
        count = 1;
        continue;
      }
      const [keyName, offset] = this.keyName(line);
      const name = keyName === "-" ? `#${count++}` : keyName;
      const value = this.value(line.slice(offset));
      if (!name) throw this.fail("empty key name");
      // go-ini keeps the last value silently; like the YAML reader, we refuse a repeated key.
      if (section.keys.some((k) => k.name === name)) throw this.fail("a key appears twice in its section");
      const key = newKey(section, name, value);
      key.comment = trimSpace(this.comment);
      this.comment = "";
    }
    return sections;
  }
}

/** sops' `stripCommentChar`. */
function stripCommentChar(c: string): string {
  if (c.startsWith(";")) return c.replace(/^[; ]+/, "");
  if (c.startsWith("#")) return c.replace(/^[# ]+/, "");
  return c;
}

function parseIni(input: Uint8Array): Branch {
  const sections = new IniReader(toBytesString(input)).read();
  return new Branch(
    sections.map((sec) => {
      const items: Array<Item | Comment> = [];
      if (sec.comment) items.push(new Comment(stripCommentChar(text(sec.comment))));
      for (const k of sec.keys) {
        const raw = bytesOf(k.value);
        items.push({ key: text(k.name), value: isValidUtf8(raw) ? goDecodeUtf8(raw) : raw });
        if (k.comment) items.push(new Comment(stripCommentChar(text(k.comment))));
      }
      return { key: text(sec.name), value: new Branch(items) };
    }),
  );
}

// ---------------------------------------------------------------------------------------------
// Writing (sops' encodeTree on go-ini's writer)

function commentLines(comment: string, trimPlain: boolean): string {
  let out = "";
  for (const line of comment.split("\n")) {
    // go-ini indexes line[0]: an empty comment line makes sops panic.
    if (!line) throw new SecretsError("dump", "an INI comment cannot contain an empty line");
    if (line[0] !== "#" && line[0] !== ";") out += "; " + (trimPlain ? trimSpace(line) : line) + "\n";
    else out += line[0] + " " + trimSpace(line.slice(1)) + "\n";
  }
  return out;
}

function quoteValue(v: string): string {
  if (/[\n`]/.test(v)) return '"""' + v + '"""';
  if (/[#;]/.test(v)) return "`" + v + "`";
  if (trimSpace(v).length !== v.length) return '"' + v + '"';
  return v;
}

function quoteKey(k: string): string {
  if (/["=:]/.test(k)) return "`" + k + "`";
  if (k.includes("`")) return '"""' + k + '"""';
  return k;
}

function toSections(branches: Branch[]): IniSection[] {
  const sections: IniSection[] = [];
  for (const branch of branches) {
    for (const item of branch.items) {
      if (item instanceof Comment) continue; // go-ini has nowhere to put a top-level comment
      if (!(item.value instanceof Branch)) {
        throw new SecretsError("dump", `INI values must be sections: the top-level key ${item.key} does not hold a mapping`);
      }
      if (!item.key) throw new SecretsError("dump", "an INI section name cannot be empty");
      const sec: IniSection = { name: bstr(item.key), comment: "", keys: [] };
      sections.push(sec);
      const items = item.value.items;
      let first = 0;
      if (items[0] instanceof Comment) {
        sec.comment = bstr(items[0].text);
        first = 1;
      }
      let last: IniKey | null = null;
      for (const it of items.slice(first)) {
        if (it instanceof Comment) {
          // A comment belongs to the key before it (go-ini writes it above that key); one before
          // any key (other than the section's own) has no place and is dropped, as in sops.
          if (last) last.comment = bstr(it.text);
          continue;
        }
        const v: Value = it.value;
        if (v instanceof Branch || Array.isArray(v)) {
          throw new SecretsError("dump", `cannot use complex value in INI file; offending key ${item.key}.${it.key}`);
        }
        if (!it.key) throw new SecretsError("dump", `an INI key name cannot be empty (section ${item.key})`);
        last = newKey(sec, bstr(it.key), bstr(goValToString(v)));
      }
    }
  }
  return sections;
}

function writeSections(sections: IniSection[]): Uint8Array {
  let out = "";
  sections.forEach((sec, i) => {
    if (sec.comment) out += commentLines(sec.comment, false);
    if (i > 0 || text(sec.name).toUpperCase() !== DEFAULT_SECTION) out += "[" + sec.name + "]\n";
    else if (!sec.keys.length) return;
    const names = sec.keys.map((k) => quoteKey(k.name));
    const align = Math.max(0, ...names.map((n) => n.length));
    sec.keys.forEach((k, j) => {
      if (k.comment) out += commentLines(k.comment, true);
      out += names[j]! + " ".repeat(align - names[j]!.length) + " = " + quoteValue(k.value) + "\n";
    });
    if (i < sections.length - 1) out += "\n";
  });
  return bytesOf(out);
}

// ---------------------------------------------------------------------------------------------

export const iniStore: Store = {
  format: "ini",

  parseEncrypted(input: Uint8Array): StoredDocument {
    const tree = parseIni(input);
    const data = new Branch();
    let meta: Branch | null = null;
    for (const it of tree.items) {
      if (!(it instanceof Comment) && it.key === SOPS_SECTION) {
        if (meta) throw new SecretsError("parse", "the [sops] section appears twice");
        meta = it.value as Branch;
      } else data.items.push(it);
    }
    if (!meta) return { branches: [data], metadata: null };
    const flat: Array<{ key: string; value: PlainValue }> = [];
    for (const it of meta.items) {
      if (it instanceof Comment) continue;
      const v = it.value instanceof Uint8Array ? goDecodeUtf8(it.value) : (it.value as string);
      flat.push({ key: it.key, value: v.replaceAll("\\n", "\n") });
    }
    return { branches: [data], metadata: unflattenMetadata(flat) };
  },

  parsePlain(input: Uint8Array): Branch[] {
    return [parseIni(input)];
  },

  emitEncrypted(doc): Uint8Array {
    for (const b of doc.branches) {
      if (b.get(SOPS_SECTION) !== undefined) throw new SecretsError("dump", "the data has a [sops] section, which is reserved for the sops metadata");
    }
    const meta = flattenMetadata(doc.metadata).map(({ key, value }) => ({ key, value: flatScalarToString(value).replaceAll("\n", "\\n") }));
    return writeSections(toSections([...doc.branches, new Branch([{ key: SOPS_SECTION, value: new Branch(meta) }])]));
  },

  emitPlain(branches: Branch[]): Uint8Array {
    return writeSections(toSections(branches));
  },
};
