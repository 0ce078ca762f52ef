import { isEncryptedValue } from "./cipher.js";
import { formatTreePath, type PathSegment } from "./path.js";
import { Branch, type Value } from "./tree.js";
import { treeLeaves } from "./walk.js";

/**
 * What the MAC of a file does not authenticate (issue: "What the MAC does not cover").
 *
 * sops' MAC hashes the plaintext of every value in walk order, and each encrypted value is bound to
 * its key path by its GCM AAD. A value is therefore authenticated only when it is an `ENC[…]` leaf:
 *
 * - `""`, null, `{}` and `[]` hash nothing (sops never encrypts them), so anyone can add a key holding
 *   one without any key: `PATH: ""` verifies;
 * - a value left in clear by the file's rule has no AAD, so its key can be renamed (and consecutive
 *   clear values re-split, the MAC input being a plain concatenation); with `mac_only_encrypted` its
 *   bytes are not hashed at all.
 *
 * Comments, type tags and a rollback of the whole file are not covered either, but they cannot add a
 * value, so they are not listed here.
 */

export type UncoveredReason = "empty-string" | "null" | "empty-map" | "empty-list" | "unencrypted";

export interface UncoveredEntry {
  /** Index of the document (YAML files may hold several; every other format has one). */
  document: number;
  path: PathSegment[];
  reason: UncoveredReason;
}

const REASON_TEXT: Record<UncoveredReason, string> = {
  "empty-string": "an empty string",
  null: "a null",
  "empty-map": "an empty map",
  "empty-list": "an empty list",
  unencrypted: "a value in clear",
};

/** Why an entry is not covered, as a phrase for messages (`an empty string`). */
export function uncoveredReasonText(reason: UncoveredReason): string {
  return REASON_TEXT[reason];
}

/** A path for messages, escaped (sops' index form, `["a"]["b"][0]`): keys may hold any character. */
export function uncoveredPathText(e: Pick<UncoveredEntry, "path">): string {
  return formatTreePath(e.path);
}

function uncoveredReason(v: Value): UncoveredReason | undefined {
  if (v instanceof Branch) return "empty-map";
  if (Array.isArray(v)) return "empty-list";
  if (v === "") return "empty-string";
  if (v === null) return "null";
  return isEncryptedValue(v) ? undefined : "unencrypted";
}

/**
 * The entries of an encrypted tree (as a store parsed it, before decryption) that the MAC does not
 * authenticate, in file order. Only paths and reasons: never a value.
 */
export function uncoveredEntries(encrypted: readonly Branch[]): UncoveredEntry[] {
  const out: UncoveredEntry[] = [];
  encrypted.forEach((b, document) => {
    for (const { path, value } of treeLeaves(b, { emptyAsLeaves: true })) {
      const reason = uncoveredReason(value);
      if (reason !== undefined) out.push({ document, path, reason });
    }
  });
  return out;
}

/** Whether `path` is `prefix` or below it. */
export function isAtOrBelow(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => String(s) === String(path[i]));
}

// ---------------------------------------------------------------------------------------------
// A textual fast path

const ENC_RE = String.raw`ENC\[AES256_GCM,[^\]\s]*\]`;
const YAML_KEY = String.raw`[^\s#:'"{}\[\],&*!|>%@\x60-][^:#]*`;
const yamlLeaf = new RegExp(String.raw`^( *)(?:- )*(?:${YAML_KEY}: )?${ENC_RE}$`);
const yamlHeader = new RegExp(String.raw`^( *)((?:- )*)${YAML_KEY}:$`);
const JSON_KEY = String.raw`"(?:[^"\\]|\\.)*"`;
const jsonLeaf = new RegExp(String.raw`^\s*(?:${JSON_KEY}: )?"${ENC_RE}",?$`);
const jsonOpen = new RegExp(String.raw`^\s*(?:${JSON_KEY}: )?[\[{]$`);
const jsonClose = /^\s*[\]}],?$/;
const dotenvLeaf = new RegExp(String.raw`^[^\s#=][^=]*=${ENC_RE}$`);

function indentOf(line: string): number {
  return line.length - line.trimStart().length;
}

/**
 * True when the data of an encrypted YAML, JSON or dotenv file as sops writes it certainly holds no
 * uncovered entry: every line is an `ENC[…]` leaf, a key that opens a non-empty map or list, a
 * bracket, or a comment. `data` is the text before the metadata (YAML: before the top-level `sops:`
 * line; JSON: before the top-level `"sops"` key; dotenv: the whole file). False means "parse it and
 * see" (`uncoveredEntries`), never "there is one": anything outside this narrow shape (an empty
 * value, `{}`, a quoted key with a colon, INI) answers false. It lets `verify` skip parsing the data
 * of thousands of files.
 */
export function certainlyAllCovered(data: string, format: string): boolean {
  const lines = data.split("\n");
  if (format === "yaml") {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line === "" || /^ *#/.test(line) || yamlLeaf.test(line)) continue;
      const h = yamlHeader.exec(line);
      // `key:` holds a value only when the next line is deeper than the key itself (else it is null).
      const next = lines[i + 1];
      if (!h || next === undefined || /^ *#/.test(next) || indentOf(next) <= h[1]!.length + h[2]!.length) return false;
    }
    return true;
  }
  if (format === "json") {
    for (let i = 0; i < lines.length; i++) {
      const line = lines[i]!;
      if (line.trim() === "" || jsonLeaf.test(line) || (jsonClose.test(line) && i > 0)) continue;
      // An opening bracket must not be closed on the next line (`{` `}` is an empty map).
      if (jsonOpen.test(line) && !jsonClose.test(lines[i + 1] ?? "}")) continue;
      return false;
    }
    return true;
  }
  if (format === "dotenv") {
    return lines.every((line) => line === "" || line.startsWith("#") || line.startsWith("sops_") || dotenvLeaf.test(line));
  }
  return false;
}
