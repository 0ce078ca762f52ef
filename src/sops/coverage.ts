import { isEncryptedValue } from "./cipher.js";
import { formatTreePath, type PathSegment } from "./path.js";
import { Branch, Comment, type Value } from "./tree.js";

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

function walk(v: Value, path: PathSegment[], document: number, out: UncoveredEntry[]): void {
  if (v instanceof Branch) {
    let items = 0;
    for (const it of v.items) {
      if (it instanceof Comment) continue;
      items++;
      walk(it.value, [...path, it.key], document, out);
    }
    if (items === 0 && path.length > 0) out.push({ document, path, reason: "empty-map" });
    return;
  }
  if (Array.isArray(v)) {
    let i = 0;
    for (const x of v) if (!(x instanceof Comment)) walk(x as Value, [...path, i++], document, out);
    if (i === 0) out.push({ document, path, reason: "empty-list" });
    return;
  }
  if (v === "") out.push({ document, path, reason: "empty-string" });
  else if (v === null) out.push({ document, path, reason: "null" });
  else if (!isEncryptedValue(v)) out.push({ document, path, reason: "unencrypted" });
}

/**
 * The entries of an encrypted tree (as a store parsed it, before decryption) that the MAC does not
 * authenticate, in file order. Only paths and reasons: never a value.
 */
export function uncoveredEntries(encrypted: readonly Branch[]): UncoveredEntry[] {
  const out: UncoveredEntry[] = [];
  encrypted.forEach((b, document) => walk(b, [], document, out));
  return out;
}

/** Whether `path` is `prefix` or below it. */
export function isAtOrBelow(path: readonly PathSegment[], prefix: readonly PathSegment[]): boolean {
  return prefix.length <= path.length && prefix.every((s, i) => String(s) === String(path[i]));
}
