import { SecretsError } from "../errors.js";

/**
 * `.env` files as people write them (the npm `dotenv` / docker compose dialect), read so that they
 * can be rewritten without some of their entries while every other byte stays as it was:
 *
 * - blank lines and `#` comment lines; an optional `export ` before the name;
 * - `NAME=value`, spaces around `=` allowed; names are letters, digits, `_`, `.` and `-`;
 * - unquoted values are trimmed and end at ` #` (an inline comment);
 * - `'single'` and `` `backtick` `` quoted values are literal; `"double"` quoted values understand
 *   `\n`, `\r`, `\t`, `\"`, `\\` and `\$`; quoted values may span lines;
 * - `${VAR}` references are kept as written (no expansion).
 *
 * Errors give a line number, never the line.
 */

export interface DotenvEntry {
  key: string;
  value: string;
  /** Offsets of the entry's whole lines in the text: [start, end), end past the final newline. */
  start: number;
  end: number;
  /** 1-based line of the entry. */
  line: number;
}

const NAME = /[ \t]*(?:export[ \t]+)?([A-Za-z0-9_.-]+)[ \t]*=[ \t]*/y;

function lineOf(text: string, pos: number): number {
  let n = 1;
  for (let i = 0; i < pos && i < text.length; i++) if (text.charCodeAt(i) === 10) n++;
  return n;
}

function unescapeDouble(s: string): string {
  return s.replace(/\\([nrt"\\$])/g, (_m, c: string) => (c === "n" ? "\n" : c === "r" ? "\r" : c === "t" ? "\t" : c));
}

export function parseDotenv(text: string): DotenvEntry[] {
  const out: DotenvEntry[] = [];
  let pos = 0;
  while (pos < text.length) {
    const start = pos;
    let eol = text.indexOf("\n", pos);
    if (eol < 0) eol = text.length;
    const line = text.slice(pos, eol);
    const trimmed = line.trim();
    if (trimmed === "" || trimmed.startsWith("#")) {
      pos = eol + 1;
      continue;
    }
    NAME.lastIndex = pos;
    const m = NAME.exec(text);
    if (!m || m.index !== pos || NAME.lastIndex > eol) {
      throw new SecretsError("parse", `line ${lineOf(text, start)}: expected NAME=value`);
    }
    const key = m[1]!;
    const p = NAME.lastIndex;
    let value: string;
    let end: number;
    const q = text[p];
    if (q === '"' || q === "'" || q === "`") {
      let i = p + 1;
      while (i < text.length && text[i] !== q) i += q === '"' && text[i] === "\\" ? 2 : 1;
      if (i >= text.length) throw new SecretsError("parse", `line ${lineOf(text, start)}: unterminated quoted value of ${key}`);
      const raw = text.slice(p + 1, i);
      value = q === '"' ? unescapeDouble(raw) : raw;
      let lineEnd = text.indexOf("\n", i);
      if (lineEnd < 0) lineEnd = text.length;
      const rest = text.slice(i + 1, lineEnd).trim();
      if (rest !== "" && !rest.startsWith("#")) throw new SecretsError("parse", `line ${lineOf(text, i)}: unexpected text after the closing quote of ${key}`);
      end = lineEnd;
    } else {
      let raw = text.slice(p, eol);
      const hash = raw.search(/[ \t]#/);
      if (hash >= 0) raw = raw.slice(0, hash);
      else if (raw.startsWith("#")) raw = "";
      value = raw.trim();
      end = eol;
    }
    pos = end + 1;
    out.push({ key, value, start, end: Math.min(pos, text.length), line: lineOf(text, start) });
  }
  return out;
}

/** The text without the lines of the entries `drop` selects; everything else byte for byte. */
export function withoutEntries(text: string, entries: readonly DotenvEntry[], drop: (e: DotenvEntry) => boolean): string {
  let out = "";
  let pos = 0;
  for (const e of entries) {
    if (!drop(e)) continue;
    out += text.slice(pos, e.start);
    pos = e.end;
  }
  return out + text.slice(pos);
}
