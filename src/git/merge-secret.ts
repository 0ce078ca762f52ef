import { SecretsError } from "../errors.js";
import { ValueCipher } from "../sops/cipher.js";
import { decryptBranches, verifyMac } from "../sops/crypt.js";
import { emitEncrypted, reencrypt, unwrapDataKey, wrapDataKey, type Recipients } from "../sops/document.js";
import type { KeySource } from "../sops/keysource.js";
import type { KeyGroup, Metadata } from "../sops/metadata.js";
import type { PathSegment } from "../sops/path.js";
import type { EmitOptions, Store } from "../sops/stores/store.js";
import { Branch, type Value } from "../sops/tree.js";
import { leaves, leafPath } from "./leaves.js";
import { mergeText } from "./merge-text.js";
import { mergeTrees, type Conflict, type SideName, type TreeMerge } from "./merge-tree.js";
import { sameValue } from "./values.js";
import { parseVersion, recipientGroups, type Version } from "./versions.js";

/**
 * The merge driver's work on one file: decrypt the three versions, merge the trees key by key, and
 * encrypt the result once.
 *
 * Which data key: if both sides have the same one, that one; if only theirs changed it (a rotation
 * on their branch), theirs; otherwise ours. Values decrypted under the chosen key are decrypted
 * through one cipher (base, then theirs, then ours), so every merged value that equals a value of
 * one side at the same path keeps that side's ciphertext byte for byte (ours wins a tie), and only
 * values changed under another key are encrypted afresh. The MAC and `lastmodified` are new.
 *
 * Recipients: a three-way merge of the sides' recipient sets per key group (a recipient added on
 * either side is added, one removed on either side is removed), so a branch that ran `updatekeys`
 * after changing `.sops.yaml` keeps its effect. When the result is what the chosen side already has,
 * its key entries are kept verbatim; otherwise the data key is wrapped again for the merged set.
 * Encryption rule, `mac_only_encrypted` and the Shamir threshold are merged the same three-way way.
 */

export interface MergeInput {
  /** Empty when the sides have no common ancestor (both added the file). */
  base: Uint8Array;
  ours: Uint8Array;
  theirs: Uint8Array;
  store: Store;
  keys: KeySource;
  /**
   * The recipients the `.sops.yaml` rule of the merge result gives this path, when one matches: only
   * compared, for a warning. Several when that policy is not known yet (both sides changed it): the
   * warning then comes only when none of them matches; null among them (no rule) means no warning.
   */
  policy?: Recipients | null | ReadonlyArray<Recipients | null>;
  emit?: EmitOptions;
}

export type MergeOutcome =
  | { kind: "merged"; bytes: Uint8Array; conflicts: Conflict[]; warnings: string[] }
  /** None of the versions is encrypted: git's own text merge applies. */
  | { kind: "plaintext" };

interface OpenSide {
  name: SideName;
  version: Version;
  metadata: Metadata;
  key: Uint8Array;
  branches: Branch[];
}

function parse(store: Store, bytes: Uint8Array, name: SideName): Version | null {
  if (bytes.length === 0) return null;
  try {
    return parseVersion(store, bytes);
  } catch (e) {
    if (e instanceof SecretsError) throw new SecretsError(e.kind, `${name} version: ${e.message}`, { cause: e });
    throw e;
  }
}

const sameKey = (a: Uint8Array, b: Uint8Array) => Buffer.from(a).equals(Buffer.from(b));

export async function mergeSecretFile(input: MergeInput): Promise<MergeOutcome> {
  const versions = {
    base: parse(input.store, input.base, "base"),
    ours: parse(input.store, input.ours, "ours"),
    theirs: parse(input.store, input.theirs, "theirs"),
  };
  const encrypted = (v: Version | null) => v !== null && v.metadata !== null;
  if (![versions.base, versions.ours, versions.theirs].some(encrypted)) return { kind: "plaintext" };
  for (const name of ["ours", "theirs"] as const) {
    if (!encrypted(versions[name])) {
      throw new SecretsError("metadata", `the ${name} version is not encrypted (no sops metadata): merge it by hand`);
    }
  }
  const warnings: string[] = [];

  // Data keys: ours and theirs must open; a base nobody can open any more makes a two-way merge.
  const keyOf = async (name: SideName): Promise<Uint8Array | null> => {
    const v = versions[name];
    if (!v?.metadata) return null;
    try {
      return await unwrapDataKey(v.metadata, input.keys);
    } catch (e) {
      if (name === "base" && e instanceof SecretsError && e.kind === "no-key") {
        warnings.push("the common ancestor cannot be decrypted with your keys: merged as if both sides added every key");
        return null;
      }
      if (e instanceof SecretsError) throw new SecretsError(e.kind, `${name} version: ${e.message}`, { cause: e });
      throw e;
    }
  };
  const [kBase, kOurs, kTheirs] = [await keyOf("base"), (await keyOf("ours"))!, (await keyOf("theirs"))!];
  const chosen: "ours" | "theirs" = sameKey(kOurs, kTheirs) ? "ours" : kBase && sameKey(kOurs, kBase) ? "theirs" : "ours";
  const dataKey = chosen === "ours" ? kOurs : kTheirs;
  const cipher = new ValueCipher(dataKey);

  // Decrypt (base, theirs, ours: later IVs win in the cipher's stash) and verify each MAC.
  const open = (name: SideName, key: Uint8Array | null): OpenSide | null => {
    const v = versions[name];
    if (!v?.metadata || !key) return null;
    const c = sameKey(key, dataKey) ? cipher : new ValueCipher(key);
    try {
      const { branches, mac } = decryptBranches(v.stored.branches, c, v.metadata);
      verifyMac(c, v.metadata, mac);
      return { name, version: v, metadata: v.metadata, key, branches };
    } catch (e) {
      if (e instanceof SecretsError) throw new SecretsError(e.kind, `${name} version: ${e.message}`, { cause: e });
      throw e;
    }
  };
  const base = open("base", kBase);
  const theirs = open("theirs", kTheirs)!;
  const ours = open("ours", kOurs)!;
  const baseBranches = base?.branches ?? (versions.base && !versions.base.metadata ? versions.base.stored.branches : null);

  const format = input.store.format;
  const merged =
    format === "binary"
      ? await mergeBinary(baseBranches, ours.branches, theirs.branches)
      : mergeTrees(baseBranches, ours.branches, theirs.branches, format === "dotenv" || format === "ini" ? "flat" : "nested");

  const side = chosen === "ours" ? ours : theirs;
  const metadata = await mergedMetadata(base?.metadata ?? null, ours.metadata, theirs.metadata, side, dataKey, input.keys, warnings);
  const candidates = isRecipientsList(input.policy) ? input.policy : [input.policy ?? null];
  if (candidates.length && candidates.every((p) => p !== null && !sameGroups(p.groups, recipientGroups(metadata)))) {
    warnings.push("the merged recipients differ from the .sops.yaml rule for this path: run `secrets updatekeys` on it after the merge");
  }

  // A result that is exactly one side (same values, same metadata) is that side's file, byte for byte.
  const m0 = side.metadata;
  const metadataKept =
    metadata.keyGroups === m0.keyGroups &&
    metadata.encryptionRule.kind === m0.encryptionRule.kind &&
    metadata.encryptionRule.value === m0.encryptionRule.value &&
    metadata.macOnlyEncrypted === m0.macOnlyEncrypted &&
    metadata.shamirThreshold === m0.shamirThreshold;
  if (!merged.conflicts.length && metadataKept) {
    const same = merged.branches.length === side.branches.length && merged.branches.every((b, i) => sameValue(b, side.branches[i]));
    if (same) return { kind: "merged", bytes: chosen === "ours" ? input.ours : input.theirs, conflicts: [], warnings };
  }
  const out = reencrypt({ branches: merged.branches, metadata, dataKey, cipher }, merged.branches);
  checkCandidatesEncrypted(merged, out.branches, { ours, theirs, base });
  return { kind: "merged", bytes: emitEncrypted(input.store, out, input.emit), conflicts: merged.conflicts, warnings };
}

function isRecipientsList(p: MergeInput["policy"]): p is ReadonlyArray<Recipients | null> {
  return Array.isArray(p);
}

/** The binary format holds one value, the whole file: its text is merged line by line. */
async function mergeBinary(base: Branch[] | null, ours: Branch[], theirs: Branch[]): Promise<TreeMerge> {
  const data = (b: Branch[] | null): Value | undefined => b?.[0]?.get("data");
  const [o, a, t] = [data(base), data(ours), data(theirs)];
  // eslint-disable-next-line @typescript-eslint/no-base-to-string -- a binary file's data decrypts to text or bytes; String() is only the fallback for a hand-made file's other value.
  const asBytes = (v: Value | undefined) => (v === undefined || v === null ? new Uint8Array() : typeof v === "string" ? Buffer.from(v, "utf8") : v instanceof Uint8Array ? v : Buffer.from(String(v)));
  let value: Value | undefined;
  let conflicts: Conflict[] = [];
  if (sameValue(a, t) || sameValue(o, t)) value = a;
  else if (sameValue(o, a)) value = t;
  else {
    const r = await mergeText(asBytes(o), asBytes(a), asBytes(t));
    value = new Uint8Array(r.merged);
    if (r.conflicts > 0) conflicts = [{ path: leafPath(0, ["data"], 1), doc: 0, segments: ["data"], markers: {} }];
  }
  return { branches: [new Branch([{ key: "data", value: value ?? "" }])], conflicts };
}

/** Picks the side that changed something (ours when both did, or when neither did). */
function pick3<T>(base: T | undefined, ours: T, theirs: T, eq: (x: T, y: T) => boolean): { value: T; clash: boolean } {
  if (eq(ours, theirs)) return { value: ours, clash: false };
  if (base !== undefined && eq(base, ours)) return { value: theirs, clash: false };
  if (base !== undefined && eq(base, theirs)) return { value: ours, clash: false };
  return { value: ours, clash: true };
}

function sameGroups(a: string[][], b: string[][]): boolean {
  return a.length === b.length && a.every((g, i) => g.length === b[i]!.length && g.every((r) => b[i]!.includes(r)));
}

/** Per group: kept by both, or added by one (three-way set merge). */
function mergeRecipientSets(base: string[] | undefined, ours: string[], theirs: string[]): string[] {
  const o = new Set(base ?? []);
  const out: string[] = [];
  for (const r of [...ours, ...theirs]) {
    if (out.includes(r)) continue;
    const inA = ours.includes(r);
    const inB = theirs.includes(r);
    if ((inA && inB) || (inA && !o.has(r)) || (inB && !o.has(r))) out.push(r);
  }
  return out;
}

async function mergedMetadata(
  base: Metadata | null,
  ours: Metadata,
  theirs: Metadata,
  side: OpenSide,
  dataKey: Uint8Array,
  keys: KeySource,
  warnings: string[],
): Promise<Metadata> {
  const rule = pick3(base?.encryptionRule, ours.encryptionRule, theirs.encryptionRule, (x, y) => x.kind === y.kind && x.value === y.value);
  const macOnly = pick3(base?.macOnlyEncrypted, ours.macOnlyEncrypted, theirs.macOnlyEncrypted, (x, y) => x === y);
  const threshold = pick3(base?.shamirThreshold, ours.shamirThreshold, theirs.shamirThreshold, (x, y) => x === y);
  if (rule.clash) warnings.push("both sides changed the encryption rule: ours is kept");

  const [ga, gb, go] = [recipientGroups(ours), recipientGroups(theirs), base ? recipientGroups(base) : undefined];
  let groups: string[][];
  if (ga.length === gb.length && (!go || go.length === ga.length)) {
    groups = ga.map((g, i) => mergeRecipientSets(go?.[i], g, gb[i]!));
  } else {
    const p = pick3(go, ga, gb, sameGroups);
    if (p.clash) warnings.push("both sides changed the key groups: ours are kept");
    groups = p.value;
  }
  const meta: Metadata = { ...side.metadata, encryptionRule: rule.value, macOnlyEncrypted: macOnly.value, shamirThreshold: threshold.value };
  if (sameGroups(groups, recipientGroups(side.metadata)) && threshold.value === side.metadata.shamirThreshold) return meta;
  if (groups.some((g) => g.length === 0)) {
    throw new SecretsError("no-recipients", "the merged key groups would leave a group without recipients: merge by hand");
  }
  const wrapped = await wrapDataKey(dataKey, { groups, shamirThreshold: threshold.value }, keys);
  // Key types we cannot wrap for (pgp, kms…) stay as the chosen side had them.
  const keyGroups: KeyGroup[] = wrapped.keyGroups.map((g, i) => ({ age: g.age, foreign: side.metadata.keyGroups[i]?.foreign ?? {} }));
  return { ...meta, keyGroups, shamirThreshold: wrapped.shamirThreshold };
}

/**
 * A conflict moves candidates under new paths, and the encryption rule decides by path: make sure
 * no candidate that was encrypted on its side ends up in clear (e.g. an `encrypted_regex` anchored
 * at the start of a flat key that now carries a marker prefix). Refusing leaves git's own conflict.
 */
function checkCandidatesEncrypted(merged: TreeMerge, encrypted: Branch[], sides: Partial<Record<SideName, OpenSide | null>>): void {
  if (!merged.conflicts.length) return;
  const out = leaves(encrypted);
  const docs = encrypted.length;
  for (const c of merged.conflicts) {
    for (const [name, at] of Object.entries(c.markers) as Array<[SideName, PathSegment[]]>) {
      const side = sides[name];
      if (!side) continue;
      const before = side.version.leaves;
      const prefix = leafPath(c.doc, c.segments, docs);
      for (const [p, leaf] of before) {
        if (!(p === prefix || p.startsWith(prefix + "["))) continue;
        if (!(typeof leaf.value === "string" && leaf.value.startsWith("ENC["))) continue;
        const moved = leafPath(c.doc, [...at, ...leaf.segments.slice(c.segments.length)], docs);
        const now = out.get(moved)?.value;
        if (!(typeof now === "string" && now.startsWith("ENC["))) {
          throw new SecretsError("encrypt-tree", `cannot mark the conflict at ${c.path}: the file's encryption rule would leave a candidate unencrypted; resolve it by hand`);
        }
      }
    }
  }
}
