import { uncoveredEntries, type UncoveredEntry } from "../sops/coverage.js";
import type { EncryptionRule } from "../sops/metadata.js";
import { Branch, Comment, toPlain, type Value } from "../sops/tree.js";
import { treeLeaves } from "../sops/walk.js";

/**
 * What a secret file holds, seen as secrets: leaves, their plain values, and the metadata kept next
 * to a value.
 *
 * Metadata (SDK `set(path, value, { metadata })`) lives in a sibling key that the file's own rule
 * leaves in clear, so it stays readable in the committed file and sops handles it like any other
 * unencrypted value (it is covered by the MAC): for key `password` under the default rule
 * (`unencrypted_suffix: _unencrypted`) the sibling is `password_metadata_unencrypted`; under another
 * `unencrypted_suffix` S it is `password_metadata` + S; under any other rule it is `password_metadata`,
 * and writing it fails when that rule would encrypt it. A sibling counts as metadata only while the
 * key it describes exists; it is never listed, exported or injected as a secret.
 */

export const METADATA_MARK = "_metadata";

import type { SecretMetadata, SecretValue } from "./types.js";
export type { MetadataScalar, SecretMetadata, SecretValue } from "./types.js";

/**
 * The rule that names the metadata siblings: the file's encryption rule, or null when it is not
 * known — the SDK's client of a server sees a secret's data, not its file's sops metadata. Then a
 * sibling of KEY is a key `KEY_metadata`, or `KEY_metadata_…` (any `unencrypted_suffix` that starts
 * with `_`, sops' own `_unencrypted` included), that holds a map of scalars: what the SDK writes
 * under every rule. A user's own key of that shape next to KEY is taken for metadata too.
 */
export type SiblingRule = EncryptionRule | null;

export function metadataKey(key: string, rule: EncryptionRule): string {
  return key + METADATA_MARK + (rule.kind === "unencrypted_suffix" ? rule.value : "");
}

/** A mapping whose values are all scalars: the shape of what `set` writes as metadata. */
function isScalarMap(v: Value | undefined): boolean {
  return v instanceof Branch && v.items.every((it) => it instanceof Comment || !(it.value instanceof Branch || Array.isArray(it.value)));
}

/** Whether `m` names a sibling of `key` when the rule is not known. */
function isSiblingName(m: string, key: string): boolean {
  if (!m.startsWith(key + METADATA_MARK) || m === key) return false;
  const rest = m.slice(key.length + METADATA_MARK.length);
  return rest === "" || rest.startsWith("_");
}

/** The key of the sibling that holds the metadata of `key` in `branch`, if there is one. */
function siblingOf(branch: Branch, key: string, rule: SiblingRule): string | undefined {
  if (rule !== null) {
    const m = metadataKey(key, rule);
    return m !== key && branch.get(m) !== undefined ? m : undefined;
  }
  return branch.keys().find((m) => isSiblingName(m, key) && isScalarMap(branch.get(m)));
}

/** The keys of `branch` that are metadata siblings of another key in it. */
export function metadataKeysIn(branch: Branch, rule: SiblingRule): Set<string> {
  const keys = new Set(branch.keys());
  const out = new Set<string>();
  if (rule === null) {
    for (const m of keys) {
      // Each `_metadata` in the name could end the key it describes.
      for (let i = m.indexOf(METADATA_MARK); i > 0; i = m.indexOf(METADATA_MARK, i + 1)) {
        if (keys.has(m.slice(0, i)) && isSiblingName(m, m.slice(0, i)) && isScalarMap(branch.get(m))) {
          out.add(m);
          break;
        }
      }
    }
    return out;
  }
  for (const k of keys) {
    const m = metadataKey(k, rule);
    if (m !== k && keys.has(m)) out.add(m);
  }
  return out;
}

/** A tree value as plain data, metadata siblings left out. Integers beyond 2^53 stay exact (bigint). */
export function toSecretValue(v: Value, rule: SiblingRule): SecretValue {
  return toPlain(v, { omitKeys: (branch) => metadataKeysIn(branch, rule) });
}

export interface Leaf {
  keyPath: string[];
  value: Value;
}

/** Every value that is not a map (lists count as one value), depth first, metadata siblings skipped. */
export function leavesOf(branch: Branch, rule: SiblingRule, prefix: string[] = []): Leaf[] {
  const leaves = treeLeaves(branch, { listsAsLeaves: true, skipKeys: (b) => metadataKeysIn(b, rule) }, prefix);
  // Only maps are descended into, so every segment is a key.
  return Array.from(leaves, ({ path, value }) => ({ keyPath: path as string[], value }));
}

/** The metadata kept for the key at the end of `keyPath`, or undefined. */
export function readMetadata(root: Branch, keyPath: readonly string[], rule: SiblingRule): SecretMetadata | undefined {
  let parent: Value | undefined = root;
  for (const k of keyPath.slice(0, -1)) parent = parent instanceof Branch ? parent.get(k) : undefined;
  if (!(parent instanceof Branch)) return undefined;
  const key = keyPath[keyPath.length - 1]!;
  if (parent.get(key) === undefined) return undefined;
  const sibling = siblingOf(parent, key, rule);
  const m = sibling === undefined ? undefined : parent.get(sibling);
  if (!(m instanceof Branch)) return undefined;
  const out: SecretMetadata = {};
  for (const it of m.items) {
    if (it instanceof Comment) continue;
    const v = toSecretValue(it.value, rule);
    out[it.key] = typeof v === "bigint" ? v.toString() : v !== null && typeof v === "object" ? JSON.stringify(v) : v;
  }
  return out;
}

/**
 * The entries of an encrypted document (before decryption) that its MAC does not cover, metadata
 * siblings left out: they are kept in clear on purpose and never injected or listed as secrets.
 */
export function uncoveredSecrets(encrypted: Branch, rule: EncryptionRule): UncoveredEntry[] {
  return uncoveredEntries([encrypted]).filter((e) => {
    let node: Value | undefined = encrypted;
    for (const seg of e.path) {
      if (!(node instanceof Branch)) break;
      if (typeof seg === "string" && metadataKeysIn(node, rule).has(seg)) return false;
      node = node.get(String(seg));
    }
    return true;
  });
}
