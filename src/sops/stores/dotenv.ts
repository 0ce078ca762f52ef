import { SecretsError } from "../../errors.js";
import { Branch, Comment, type PlainValue, type StoredDocument, type Value } from "../tree.js";
import { flatScalarToString, flattenMetadata, goValToString, unflattenMetadata } from "./flatten.js";
import { goDecodeUtf8, isValidUtf8, joinChunks } from "./utf8.js";
import type { Store } from "./store.js";

/**
 * dotenv store (sops' `stores/dotenv`), deliberately as plain as sops':
 *
 * - a leading UTF-8 BOM is skipped (as the INI and YAML readers do; sops would make it part of the
 *   first key); the input is split on `\n`, and a `\r` before it (a CRLF file) is dropped, so no
 *   value keeps it (sops keeps it); empty lines are dropped;
 * - a line starting with `#` is a comment (everything after the `#`, spaces included);
 * - a key that appears twice is a parse error (sops keeps both);
 * - any other line is split at its first `=`: key and value are taken verbatim (no trimming, no
 *   quote handling: `A="x"` is the three characters `"x"`), and the two characters `\n` in a value
 *   become a newline; a line without `=` is an error;
 * - values are strings. A value that is not UTF-8 is kept as bytes (Go strings are byte strings);
 * - the metadata is flattened into `sops_`-prefixed keys after the data, armor newlines as `\n`.
 *
 * Output writes `key=value` per item with newlines in string values escaped as `\n`. Values that
 * are not strings (a tree converted from another format) go through sops' `ValToString` (`true`,
 * `1.5`, `1.0`, `1E+21`, RFC 3339 times, `<nil>` for null) and are not escaped, exactly like sops.
 * Nested maps and lists cannot be written.
 */

export const SOPS_PREFIX = "sops_";

/** Replaces each two-byte `\n` escape with a newline byte, left to right (Go's strings.Replace). */
function unescapeNewlines(b: Uint8Array): Uint8Array {
  let n = 0;
  for (let i = 0; i + 1 < b.length; i++) if (b[i] === 0x5c && b[i + 1] === 0x6e) n++;
  if (!n) return b;
  const out = new Uint8Array(b.length - n);
  let o = 0;
  for (let i = 0; i < b.length; i++) {
    if (b[i] === 0x5c && b[i + 1] === 0x6e) {
      out[o++] = 0x0a;
      i++;
    } else out[o++] = b[i]!;
  }
  return out;
}

/** Replaces each newline byte with the two bytes `\n`. */
function escapeNewlines(b: Uint8Array): Uint8Array {
  const n = b.reduce((k, c) => k + (c === 0x0a ? 1 : 0), 0);
  if (!n) return b;
  const out = new Uint8Array(b.length + n);
  let o = 0;
  for (const c of b) {
    if (c === 0x0a) {
      out[o++] = 0x5c;
      out[o++] = 0x6e;
    } else out[o++] = c;
  }
  return out;
}

function parseLines(input: Uint8Array): Branch {
  const branch = new Branch();
  let start = input[0] === 0xef && input[1] === 0xbb && input[2] === 0xbf ? 3 : 0;
  let lineNo = 0;
  const seen = new Set<string>();
  while (start <= input.length) {
    let end = input.indexOf(0x0a, start);
    if (end < 0) end = input.length;
    lineNo++;
    const line = input.subarray(start, end > start && input[end - 1] === 0x0d && end < input.length ? end - 1 : end);
    start = end + 1;
    if (!line.length) continue;
    if (line[0] === 0x23) {
      branch.items.push(new Comment(goDecodeUtf8(line, 1)));
      continue;
    }
    const eq = line.indexOf(0x3d);
    if (eq < 0) throw new SecretsError("parse", `invalid dotenv input at line ${lineNo}: a line must be a # comment or key=value`);
    const raw = unescapeNewlines(line.subarray(eq + 1));
    // Copy: a subarray would keep the whole input alive and alias it.
    const value = isValidUtf8(raw) ? goDecodeUtf8(raw) : new Uint8Array(raw);
    const key = goDecodeUtf8(line, 0, eq);
    // sops keeps both; like the YAML reader, we refuse a repeated key rather than pick one.
    if (seen.has(key)) throw new SecretsError("parse", `invalid dotenv input at line ${lineNo}: a key appears twice`);
    seen.add(key);
    branch.items.push({ key, value });
  }
  return branch;
}

/** A line ending in `\r` would lose it on reading (CRLF), a first key starting with a BOM its BOM. */
function refuseUnreadable(text: string | Uint8Array, what: string, first: boolean, endsLine = true): void {
  const last = typeof text === "string" ? text.charCodeAt(text.length - 1) : text[text.length - 1];
  if (endsLine && last === 0x0d) throw new SecretsError("dump", `${what} ends with a carriage return, which a dotenv file cannot hold`);
  if (first && (typeof text === "string" ? text.startsWith("\ufeff") : text[0] === 0xef && text[1] === 0xbb && text[2] === 0xbf)) {
    throw new SecretsError("dump", `${what} starts with a byte order mark, which a dotenv file cannot hold on its first line`);
  }
}

function emitLines(branch: Branch | undefined): Uint8Array {
  const parts: Array<string | Uint8Array> = [];
  let first = true;
  for (const it of branch?.items ?? []) {
    if (it instanceof Comment) {
      refuseUnreadable(it.text, "a comment", false);
      parts.push("#" + it.text + "\n");
      first = false;
      continue;
    }
    refuseUnreadable(it.key, `the key ${it.key}`, first, false);
    first = false;
    if (typeof it.value === "string" || it.value instanceof Uint8Array) refuseUnreadable(it.value, `the value of ${it.key}`, false);
    const v: Value = it.value;
    if (v instanceof Branch || Array.isArray(v)) {
      throw new SecretsError("dump", `cannot use complex value in dotenv file; offending key ${it.key}`);
    }
    parts.push(it.key + "=");
    if (typeof v === "string") parts.push(v.replaceAll("\n", "\\n"));
    else if (v instanceof Uint8Array) parts.push(escapeNewlines(v));
    else parts.push(goValToString(v));
    parts.push("\n");
  }
  return joinChunks(parts);
}

export const dotenvStore: Store = {
  format: "dotenv",

  /** Every `sops_*` key is metadata: a plaintext file with such a key counts as encrypted. */
  parseEncrypted(input: Uint8Array): StoredDocument {
    const parsed = parseLines(input);
    const data = new Branch();
    const flat: Array<{ key: string; value: PlainValue }> = [];
    for (const it of parsed.items) {
      if (!(it instanceof Comment) && it.key.startsWith(SOPS_PREFIX)) {
        const v = it.value;
        flat.push({ key: it.key.slice(SOPS_PREFIX.length), value: v instanceof Uint8Array ? goDecodeUtf8(v) : (v as string) });
      } else data.items.push(it);
    }
    return { branches: [data], metadata: flat.length ? unflattenMetadata(flat) : null };
  },

  parsePlain(input: Uint8Array): Branch[] {
    return [parseLines(input)];
  },

  emitEncrypted(doc): Uint8Array {
    const data = doc.branches[0] ?? new Branch();
    for (const it of data.items) {
      if (!(it instanceof Comment) && it.key.startsWith(SOPS_PREFIX)) {
        throw new SecretsError("dump", `the key ${it.key} starts with ${SOPS_PREFIX}, which is reserved for the sops metadata`);
      }
    }
    const meta = flattenMetadata(doc.metadata, SOPS_PREFIX).map(({ key, value }) => ({ key, value: flatScalarToString(value) }));
    return emitLines(new Branch([...data.items, ...meta]));
  },

  // One document, like sops: only the first branch is written.
  emitPlain(branches: Branch[]): Uint8Array {
    return emitLines(branches[0]);
  },
};
