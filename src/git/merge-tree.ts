import type { PathSegment } from "../sops/path.js";
import { Branch, Comment, type Value } from "../sops/tree.js";
import { leafPath } from "./leaves.js";
import { sameValue } from "./values.js";

/**
 * Three-way merge of decrypted documents, key by key.
 *
 * For each key: both sides agree → that; one side left it as in the base → the other side's (a
 * change or a removal); both changed it differently → if both are mappings, merge inside them (a
 * mapping removed on one side counts as an empty mapping, so untouched keys go and changed keys
 * conflict); otherwise a conflict. Lists and scalars are merged as whole values.
 *
 * Key order follows ours; keys only theirs has are placed after the key they follow in theirs, with
 * the comments right above them. Other comment changes of theirs are not merged (ours' stay).
 *
 * A conflict keeps every candidate, marked in a way that stays a valid document, so the merged file
 * can still be encrypted and opened with `secrets edit` (docs/git.md):
 * - nested formats (YAML, JSON): the key's value becomes a mapping
 *   `{"<<<<<<< ours": A, "||||||| base": O, ">>>>>>> theirs": B}`;
 * - flat formats (dotenv, INI), whose values cannot be mappings: the key is replaced by the sibling
 *   keys `<<<<<<< ours KEY`, `||||||| base KEY`, `>>>>>>> theirs KEY`.
 * A side that removed the key is marked `<<<<<<< ours (deleted)` (value null, or "" in flat formats);
 * the base entry is left out when the key did not exist in the base.
 */

export const OURS = "<<<<<<< ours";
export const BASE = "||||||| base";
export const THEIRS = ">>>>>>> theirs";
const DELETED = " (deleted)";

export type ConflictStyle = "nested" | "flat";
export type SideName = "ours" | "base" | "theirs";

export interface Conflict {
  /** Display path of the conflicting key, e.g. `["db"]["password"]`. */
  path: string;
  doc: number;
  segments: PathSegment[];
  /** Where each candidate was put in the merged document (absent for a side without the key). */
  markers: Partial<Record<SideName, PathSegment[]>>;
}

export interface TreeMerge {
  branches: Branch[];
  conflicts: Conflict[];
}

class Candidates {
  constructor(
    readonly base: Value | undefined,
    readonly ours: Value | undefined,
    readonly theirs: Value | undefined,
  ) {}
}

type Merged = Value | undefined | Candidates;

function isBranchOrAbsent(v: Value | undefined): boolean {
  return v === undefined || v instanceof Branch;
}

function hasKeys(b: Branch): boolean {
  return b.items.some((i) => !(i instanceof Comment));
}

class Merger {
  readonly conflicts: Conflict[] = [];
  private doc = 0;

  constructor(
    private readonly style: ConflictStyle,
    private readonly docs: number,
  ) {}

  document(doc: number, base: Branch | undefined, ours: Branch | undefined, theirs: Branch | undefined): Branch {
    this.doc = doc;
    const m = this.value(base, ours, theirs, []);
    return m instanceof Branch ? m : new Branch();
  }

  private value(base: Value | undefined, ours: Value | undefined, theirs: Value | undefined, path: PathSegment[]): Merged {
    if (sameValue(ours, theirs)) return ours;
    if (sameValue(base, ours)) return theirs;
    if (sameValue(base, theirs)) return ours;
    if (isBranchOrAbsent(base) && isBranchOrAbsent(ours) && isBranchOrAbsent(theirs)) {
      const merged = this.branch((base as Branch | undefined) ?? new Branch(), (ours as Branch | undefined) ?? new Branch(), (theirs as Branch | undefined) ?? new Branch(), path);
      // A mapping one side removed stays removed when nothing in it needed keeping.
      if ((ours === undefined || theirs === undefined) && !hasKeys(merged)) return undefined;
      return merged;
    }
    return new Candidates(base, ours, theirs);
  }

  private branch(base: Branch, ours: Branch, theirs: Branch, path: PathSegment[]): Branch {
    const out: Array<Branch["items"][number]> = [];
    const emit = (key: string, m: Merged) => {
      if (m instanceof Candidates) out.push(...this.mark(key, m, path));
      else if (m !== undefined) out.push({ key, value: m });
    };
    const oursKeys = new Set(ours.keys());
    for (const it of ours.items) {
      if (it instanceof Comment) out.push(it);
      else emit(it.key, this.value(base.get(it.key), it.value, theirs.get(it.key), [...path, it.key]));
    }
    // Keys only theirs has: after their predecessor in theirs, with the comments just above them.
    let pending: Comment[] = [];
    let anchor: string | undefined;
    for (const it of theirs.items) {
      if (it instanceof Comment) {
        pending.push(it);
        continue;
      }
      if (oursKeys.has(it.key)) {
        anchor = it.key;
        pending = [];
        continue;
      }
      const start = out.length;
      emit(it.key, this.value(base.get(it.key), undefined, it.value, [...path, it.key]));
      const added = out.splice(start);
      if (added.length) {
        const at = this.insertionPoint(out, anchor);
        out.splice(at, 0, ...pending, ...added);
        anchor = it.key;
      }
      pending = [];
    }
    return new Branch(out);
  }

  /** After `anchor` and whatever was already inserted after it (marker keys of it included). */
  private insertionPoint(out: Array<Branch["items"][number]>, anchor: string | undefined): number {
    if (anchor === undefined) {
      const firstKey = out.findIndex((i) => !(i instanceof Comment));
      return firstKey < 0 ? out.length : firstKey;
    }
    let at = -1;
    for (let i = 0; i < out.length; i++) {
      const it = out[i]!;
      if (!(it instanceof Comment) && (it.key === anchor || markedKey(it.key) === anchor)) at = i;
    }
    return at < 0 ? out.length : at + 1;
  }

  private mark(key: string, c: Candidates, path: PathSegment[]): Array<{ key: string; value: Value }> {
    const segments = [...path, key];
    const conflict: Conflict = { path: leafPath(this.doc, segments, this.docs), doc: this.doc, segments, markers: {} };
    this.conflicts.push(conflict);
    const entries: Array<[SideName, string, Value | undefined]> = [
      ["ours", OURS, c.ours],
      ["base", BASE, c.base],
      ["theirs", THEIRS, c.theirs],
    ];
    const items: Array<{ key: string; value: Value }> = [];
    for (const [side, marker, v] of entries) {
      if (side === "base" && v === undefined) continue;
      const name = v === undefined ? marker + DELETED : marker;
      if (this.style === "flat") {
        const k = `${name} ${key}`;
        items.push({ key: k, value: v ?? "" });
        if (v !== undefined) conflict.markers[side] = [...path, k];
      } else {
        items.push({ key: name, value: v ?? null });
        if (v !== undefined) conflict.markers[side] = [...segments, name];
      }
    }
    return this.style === "flat" ? items : [{ key, value: new Branch(items) }];
  }
}

/** For a flat-style marker key (`<<<<<<< ours KEY`), the key it stands for. */
function markedKey(k: string): string | undefined {
  for (const m of [OURS, BASE, THEIRS]) {
    for (const prefix of [`${m}${DELETED} `, `${m} `]) if (k.startsWith(prefix)) return k.slice(prefix.length);
  }
  return undefined;
}

/** Merges documents (a missing base: both sides added the file). */
export function mergeTrees(base: Branch[] | null, ours: Branch[], theirs: Branch[], style: ConflictStyle): TreeMerge {
  const docs = Math.max(ours.length, theirs.length);
  const m = new Merger(style, docs);
  const branches: Branch[] = [];
  for (let d = 0; d < docs; d++) {
    branches.push(m.document(d, base?.[d], ours[d], theirs[d]));
  }
  return { branches, conflicts: m.conflicts };
}

/** Whether a key is a conflict marker left by the merge driver. */
export function isMarkerKey(k: string): boolean {
  return [OURS, BASE, THEIRS].some((m) => k === m || k.startsWith(`${m} `));
}

/** Paths of the unresolved conflicts in a document: keys are clear text, so no key is needed. */
export function findMarkers(branches: readonly Branch[]): string[] {
  const found = new Set<string>();
  const walk = (v: Value, segs: PathSegment[], doc: number) => {
    if (v instanceof Branch) {
      for (const it of v.items) {
        if (it instanceof Comment) continue;
        if (isMarkerKey(it.key)) {
          const nested = [OURS, BASE, THEIRS].some((m) => it.key === m || it.key === m + DELETED);
          const k = nested ? undefined : markedKey(it.key);
          found.add(leafPath(doc, k === undefined ? segs : [...segs, k], branches.length));
        } else walk(it.value, [...segs, it.key], doc);
      }
    } else if (Array.isArray(v)) {
      let i = 0;
      for (const x of v) if (!(x instanceof Comment)) walk(x, [...segs, i++], doc);
    }
  };
  branches.forEach((b, d) => walk(b, [], d));
  return [...found];
}

