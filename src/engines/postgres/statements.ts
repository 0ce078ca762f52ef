/**
 * Filling a role's statements in: `{{name}}` (and its alias `{{username}}`), `{{password}}` and
 * `{{expiration}}`, as Vault's plugin fills them (sdk/helper/dbtxn parseQuery), but quoted for
 * where each one stands, so that no value can end its quotes and run SQL of its own:
 *
 * - inside `"…"` (Vault's documented `CREATE ROLE "{{name}}"`): `"` doubled;
 * - inside `'…'` (`PASSWORD '{{password}}'`): `'` doubled, and `\` doubled too in an `E'…'` string;
 * - anywhere else (`CREATE ROLE {{name}}`): a whole quoted identifier for a name, a whole quoted
 *   literal for a password or an expiration — Vault would paste the bare text there;
 * - inside a dollar-quoted body (`DO $$ … $$`, a function's body), the body is read as SQL again,
 *   so `'{{name}}'` and `"{{name}}"` there are quoted as above; a value holding the body's closing
 *   tag is refused;
 * - inside comments, placeholders are left as they are.
 *
 * Vault pastes values verbatim: its names and passwords cannot hold quotes. Here neither can the
 * names and passwords this engine makes (username.ts, password.ts); the quoting is what keeps a
 * statement sound whatever a value holds (a password from another generator in rotation, #16).
 * Other `{{…}}` are left as they are, as Vault leaves them. Statements are not split: each entry
 * of the list is sent as one simple query, which PostgreSQL runs statement by statement.
 */
import { SecretsError } from "../../errors.js";

export interface StatementValues {
  /** The login role's name: `{{name}}` and `{{username}}`. */
  name?: string;
  password?: string;
  /** `YYYY-MM-DD HH:MM:SS+0000` (expiration.ts). */
  expiration?: string;
}

type Kind = "identifier" | "literal";

/** Which placeholders there are, and whether each is a name or a literal where it stands bare. */
const PLACEHOLDERS: Readonly<Record<string, { key: keyof StatementValues; kind: Kind }>> = {
  "{{name}}": { key: "name", kind: "identifier" },
  "{{username}}": { key: "name", kind: "identifier" },
  "{{password}}": { key: "password", kind: "literal" },
  "{{expiration}}": { key: "expiration", kind: "literal" },
};

/** The placeholder starting at `i`, or undefined. */
function placeholderAt(sql: string, i: number): string | undefined {
  if (!sql.startsWith("{{", i)) return undefined;
  return Object.keys(PLACEHOLDERS).find((p) => sql.startsWith(p, i));
}

/** `"…"` with `"` doubled: a PostgreSQL quoted identifier. A NUL cannot be in one. */
export function quoteIdentifier(name: string): string {
  if (name.includes("\0")) throw new SecretsError("usage", "an identifier cannot hold a NUL character");
  return `"${name.replace(/"/g, '""')}"`;
}

/**
 * `'…'` with `'` doubled: a standard-conforming string literal; with a backslash in it, written as
 * `E'…'` with `\` doubled too, so that it reads the same whatever `standard_conforming_strings` is.
 */
export function quoteLiteral(value: string): string {
  if (value.includes("\0")) throw new SecretsError("usage", "a literal cannot hold a NUL character");
  const body = value.replace(/'/g, "''");
  return value.includes("\\") ? `E'${body.replace(/\\/g, "\\\\")}'` : `'${body}'`;
}

function isIdentChar(c: string | undefined): boolean {
  return c !== undefined && /[A-Za-z0-9_$\u0080-\uffff]/.test(c);
}

/** The dollar-quote tag starting at `i` (`$$`, `$body$`), or undefined. */
function dollarTagAt(sql: string, i: number): string | undefined {
  if (sql[i] !== "$" || isIdentChar(sql[i - 1])) return undefined;
  const m = /^\$(?:[A-Za-z_\u0080-\uffff][A-Za-z0-9_\u0080-\uffff]*)?\$/.exec(sql.slice(i, i + 65));
  return m?.[0];
}

function valueOf(values: StatementValues, key: keyof StatementValues): string | undefined {
  const v = values[key];
  if (v !== undefined && v.includes("\0")) throw new SecretsError("usage", `the ${key} cannot hold a NUL character`);
  return v;
}

/**
 * `sql` with the placeholders filled in (see above). `closing` holds the tags of the dollar-quoted
 * bodies being read, innermost last ([] at the top): a value holding one is refused (kind `usage`).
 */
export function fillStatement(sql: string, values: StatementValues, closing: readonly string[] = []): string {
  let out = "";
  let i = 0;
  const guard = (v: string): string => {
    const tag = closing.find((t) => v.includes(t));
    if (tag !== undefined) throw new SecretsError("usage", `a value holds ${tag}, which would end the dollar-quoted body it is placed in`);
    return v;
  };
  while (i < sql.length) {
    const c = sql[i]!;
    const placeholder = placeholderAt(sql, i);
    if (placeholder !== undefined) {
      const { key, kind } = PLACEHOLDERS[placeholder]!;
      const v = valueOf(values, key);
      out += v === undefined ? placeholder : guard(kind === "identifier" ? quoteIdentifier(v) : quoteLiteral(v));
      i += placeholder.length;
      continue;
    }
    if (sql.startsWith("--", i)) {
      const end = sql.indexOf("\n", i);
      const stop = end === -1 ? sql.length : end + 1;
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (sql.startsWith("/*", i)) {
      const stop = blockCommentEnd(sql, i);
      out += sql.slice(i, stop);
      i = stop;
      continue;
    }
    if (c === '"') {
      const { text, next } = quoted(sql, i, '"', false, values, (v) => guard(v.replace(/"/g, '""')));
      out += text;
      i = next;
      continue;
    }
    if (c === "'") {
      const escapeString = (sql[i - 1] === "E" || sql[i - 1] === "e") && !isIdentChar(sql[i - 2]);
      const { text, next } = quoted(sql, i, "'", escapeString, values, (v) => guard(escapeString ? v.replace(/\\/g, "\\\\").replace(/'/g, "''") : v.replace(/'/g, "''")));
      out += text;
      i = next;
      continue;
    }
    const tag = dollarTagAt(sql, i);
    if (tag !== undefined) {
      const end = sql.indexOf(tag, i + tag.length);
      const bodyEnd = end === -1 ? sql.length : end;
      const body = sql.slice(i + tag.length, bodyEnd);
      out += tag + fillStatement(body, values, [...closing, tag]) + (end === -1 ? "" : tag);
      i = end === -1 ? sql.length : end + tag.length;
      continue;
    }
    out += c;
    i++;
  }
  return out;
}

/** Where the block comment starting at `start` ends (PostgreSQL's nest). */
function blockCommentEnd(sql: string, start: number): number {
  let depth = 0;
  let i = start;
  while (i < sql.length) {
    if (sql.startsWith("/*", i)) {
      depth++;
      i += 2;
    } else if (sql.startsWith("*/", i)) {
      depth--;
      i += 2;
      if (depth === 0) return i;
    } else i++;
  }
  return sql.length;
}

/**
 * A quoted run starting at `start` (its quote `q`, doubled inside; in an escape string `\` escapes
 * the next character), with placeholders inside filled by `escape(value)`.
 */
function quoted(sql: string, start: number, q: string, escapeString: boolean, values: StatementValues, escape: (v: string) => string): { text: string; next: number } {
  let text = q;
  let i = start + 1;
  while (i < sql.length) {
    const placeholder = placeholderAt(sql, i);
    if (placeholder !== undefined) {
      const v = valueOf(values, PLACEHOLDERS[placeholder]!.key);
      text += v === undefined ? placeholder : escape(v);
      i += placeholder.length;
      continue;
    }
    const c = sql[i]!;
    if (escapeString && c === "\\") {
      text += sql.slice(i, i + 2);
      i += 2;
      continue;
    }
    if (c === q) {
      if (sql[i + 1] === q) {
        text += q + q;
        i += 2;
        continue;
      }
      return { text: text + q, next: i + 1 };
    }
    text += c;
    i++;
  }
  return { text, next: sql.length };
}
