import type { Branch, Value } from "../sops/tree.js";
import { leaves, type Leaf } from "./leaves.js";
import { sameValue } from "./values.js";
import { recipientGroups, sameDataKey, type Version } from "./versions.js";

/**
 * Key-level differences between two versions of a secrets file.
 *
 * When both sides could be decrypted, values are compared as plaintext: exact, and blind to data key
 * rotations. Otherwise ciphertexts are compared, which is exact too as long as the data key stayed
 * the same (an unchanged value keeps its ciphertext, docs/sops-format.md §2.3). Across a data key change every
 * ciphertext changes whether or not its value did: such keys are reported as `re-encrypted`.
 */

export type ChangeKind = "added" | "changed" | "removed" | "re-encrypted";

export interface KeyChange {
  path: string;
  kind: ChangeKind;
  /** Decrypted values, only when the comparison was by plaintext. */
  before?: Value;
  after?: Value;
}

/**
 * One side of a comparison: a version (null: the file does not exist there) and, if it could be, its
 * decrypted documents (a plaintext version is its own decryption).
 */
export interface Side {
  version: Version | null;
  open: { branches: Branch[] } | null;
}

/** A side not decrypted (a plaintext version is its own decryption). */
export function closedSide(version: Version | null): Side {
  return { version, open: version && !version.metadata ? { branches: version.stored.branches } : null };
}

export interface VersionDiff {
  changes: KeyChange[];
  /** True when values were compared decrypted. */
  byPlaintext: boolean;
  /** True when the data key changed (decided from the key entries and ciphertexts, see sameDataKey). */
  rekeyed: boolean;
  recipientsAdded: string[];
  recipientsRemoved: string[];
}

function compare(before: Map<string, Leaf>, after: Map<string, Leaf>, changedKind: ChangeKind, withValues: boolean): KeyChange[] {
  const out: KeyChange[] = [];
  const vals = (b: Leaf | undefined, a: Leaf | undefined) => (withValues ? { before: b?.value, after: a?.value } : {});
  for (const [p, a] of after) {
    const b = before.get(p);
    if (!b) out.push({ path: p, kind: "added", ...vals(undefined, a) });
    else if (!sameValue(a.value, b.value)) out.push({ path: p, kind: changedKind, ...vals(b, a) });
  }
  for (const [p, b] of before) if (!after.has(p)) out.push({ path: p, kind: "removed", ...vals(b, undefined) });
  return out;
}

const none = new Map<string, Leaf>();

/** The differences from `a` to `b`. A side is decryptable when it is absent or opened. */
export function diffVersions(a: Side, b: Side): VersionDiff {
  const plain = (a.version === null || a.open !== null) && (b.version === null || b.open !== null);
  const rekeyed = !!(a.version?.metadata && b.version?.metadata && !sameDataKey(a.version, b.version));
  let changes: KeyChange[];
  if (plain) {
    changes = compare(a.open ? leaves(a.open.branches) : none, b.open ? leaves(b.open.branches) : none, "changed", true);
  } else {
    changes = compare(a.version?.leaves ?? none, b.version?.leaves ?? none, rekeyed ? "re-encrypted" : "changed", false);
  }
  const ra = new Set(a.version?.metadata ? recipientGroups(a.version.metadata).flat() : []);
  const rb = new Set(b.version?.metadata ? recipientGroups(b.version.metadata).flat() : []);
  return {
    changes,
    byPlaintext: plain,
    rekeyed,
    recipientsAdded: [...rb].filter((r) => !ra.has(r)),
    recipientsRemoved: [...ra].filter((r) => !rb.has(r)),
  };
}

/**
 * The changes a merge commit made itself: a key counts only when it differs from every parent
 * (what came unchanged from one side was changed by that side's own commits).
 */
export function mergeChanges(perParent: VersionDiff[]): KeyChange[] {
  if (perParent.length === 0) return [];
  const [first, ...rest] = perParent;
  // The kind comes from a parent under the same data key when there is one (a "changed" says more
  // than a "re-encrypted").
  return first!.changes
    .filter((c) => rest.every((d) => d.changes.some((x) => x.path === c.path)))
    .map((c) => (c.kind !== "re-encrypted" ? c : (rest.map((d) => d.changes.find((x) => x.path === c.path)!).find((x) => x.kind !== "re-encrypted") ?? c)));
}
