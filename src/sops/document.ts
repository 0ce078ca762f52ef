import { randomBytes } from "node:crypto";
import { SecretsError } from "../errors.js";
import { ValueCipher } from "./cipher.js";
import { decryptBranches, encryptBranches, macAad, verifyMac } from "./crypt.js";
import type { KeySource } from "./keysource.js";
import { defaultEncryptionRule, metadataToPlain, parseMetadata, type EncryptionRule, type KeyGroup, type Metadata } from "./metadata.js";
import type { EmitOptions, Store } from "./stores/store.js";
import { Branch, Comment, type PlainValue } from "./tree.js";

/**
 * Whole-document operations of sops, on top of a store and a key source: open (decrypt + verify),
 * encrypt a new document, re-encrypt after a change (same data key; unchanged values keep their
 * ciphertext), rotate (new data key), and re-wrap to new recipients (updatekeys).
 */

/** The sops version we write: files stay readable by sops 3.13, which compares versions. */
export const SOPS_VERSION = "3.13.2";

/**
 * The `version:` a rewrite writes: ours when it is newer than the file's, as sops does on every
 * write (`AIsNewerThanB(version.Version, tree.Metadata.Version)` in its edit and set paths). Our
 * rewrite lays the metadata block out as sops 3.13 does (no empty `kms: []` lists, keys in order), so
 * keeping an old version would describe a layout the file no longer has; and the first write of an
 * old file then changes what sops 3.13's first write changes, so whichever tool writes next the diff
 * is the same. A version from a newer sops is kept; one that is not a version at all (other tools)
 * is replaced, since sops refuses to compare it.
 */
export function writtenVersion(fileVersion: string): string {
  const parse = (v: string) => /^(\d+)\.(\d+)\.(\d+)/.exec(v)?.slice(1).map(Number);
  const ours = parse(SOPS_VERSION)!;
  const theirs = parse(fileVersion);
  if (!theirs) return SOPS_VERSION;
  for (let i = 0; i < 3; i++) if (ours[i]! !== theirs[i]!) return ours[i]! > theirs[i]! ? SOPS_VERSION : fileVersion;
  return fileVersion;
}

export interface Recipients {
  /** Age recipients per key group; one group is the normal case. */
  groups: string[][];
  /** Shamir threshold for two or more groups (0: all groups). */
  shamirThreshold?: number;
}

export interface EncryptionOptions {
  encryptionRule?: EncryptionRule;
  macOnlyEncrypted?: boolean;
}

/** An opened (decrypted) document, holding what is needed to write it back with minimal changes. */
export interface OpenDocument {
  branches: Branch[];
  metadata: Metadata;
  dataKey: Uint8Array;
  /** The cipher that decrypted the values: re-encrypting through it keeps unchanged ciphertexts. */
  cipher: ValueCipher;
}

/** Go's `time.Now().UTC()` truncated to seconds, RFC 3339. */
export function nowLastModified(now = new Date()): string {
  return now.toISOString().replace(/\.\d{3}Z$/, "Z");
}

function recipientsOf(m: Metadata): string[] {
  return m.keyGroups.flatMap((g) => g.age.map((a) => a.recipient));
}

/** Recovers the data key from the metadata's key groups (Shamir-combining shares when needed). */
export async function unwrapDataKey(metadata: Metadata, keys: KeySource): Promise<Uint8Array> {
  const groups = metadata.keyGroups;
  const shares: Uint8Array[] = [];
  // A malformed entry (usually someone else's) must not lock out a reader whose own entry is
  // intact: like sops, every entry is tried, and the malformed ones are only reported at the end.
  const malformed: string[] = [];
  for (const g of groups) {
    for (const entry of g.age) {
      let s: Uint8Array | null;
      try {
        s = await keys.unwrap(entry);
      } catch (e) {
        if (!(e instanceof SecretsError)) throw e;
        malformed.push(`${entry.recipient}: ${e.message}`);
        continue;
      }
      if (s) {
        shares.push(s);
        break;
      }
    }
    if (groups.length === 1 && shares.length) return shares[0]!;
  }
  if (groups.length > 1) {
    const threshold = metadata.shamirThreshold || groups.length;
    if (shares.length >= threshold) {
      const { combine } = await import("../keys/shamir.js");
      const key = combine(shares);
      if (key.length === 32) return key;
    }
  }
  const recipients = recipientsOf(metadata);
  const foreign = [...new Set(groups.flatMap((g) => Object.keys(g.foreign)))];
  let msg = "no identity could decrypt the data key";
  if (groups.length > 1) msg += ` (opened ${shares.length} of the ${metadata.shamirThreshold || groups.length} key groups needed)`;
  msg += recipients.length ? `; the file is encrypted to ${recipients.join(", ")}` : "; the file has no age recipients";
  if (foreign.length) msg += `; its other key types (${foreign.join(", ")}) are not supported`;
  if (malformed.length) msg += `; ${malformed.length === 1 ? "1 age entry is" : `${malformed.length} age entries are`} malformed (${malformed.join("; ")})`;
  msg += `; age identities: ${keys.describe()}`;
  throw new SecretsError("no-key", msg);
}

/** Wraps a data key for every recipient (Shamir-splitting across groups when there are several). */
export async function wrapDataKey(dataKey: Uint8Array, recipients: Recipients, keys: KeySource): Promise<{ keyGroups: KeyGroup[]; shamirThreshold: number }> {
  const groups = recipients.groups.map((g) => [...new Set(g.map((r) => r.trim()).filter(Boolean))]).filter((g) => g.length);
  if (!groups.length) throw new SecretsError("no-recipients", "refusing to encrypt to zero recipients: add an age recipient (--age or a .sops.yaml rule)");
  if (groups.length === 1) {
    const age = await Promise.all(groups[0]!.map(async (r) => ({ recipient: r, enc: await keys.wrap(dataKey, r) })));
    return { keyGroups: [{ age, foreign: {} }], shamirThreshold: 0 };
  }
  const threshold = recipients.shamirThreshold || groups.length;
  if (threshold < 2 || threshold > groups.length) {
    throw new SecretsError("config", `invalid shamir_threshold ${threshold} for ${groups.length} key groups`);
  }
  const { split } = await import("../keys/shamir.js");
  const shares = split(dataKey, groups.length, threshold);
  const keyGroups = await Promise.all(
    groups.map(async (g, i) => ({ age: await Promise.all(g.map(async (r) => ({ recipient: r, enc: await keys.wrap(shares[i]!, r) }))), foreign: {} })),
  );
  return { keyGroups, shamirThreshold: threshold };
}

/** Refuses a plaintext tree sops would refuse: one with a top-level `sops` key. */
function checkPlain(branches: Branch[]): void {
  for (const b of branches) {
    if (b.get("sops") !== undefined) throw new SecretsError("already-encrypted", "the file already has a sops key: it looks encrypted already");
  }
}

/** Opens an encrypted document: unwraps the data key, decrypts every value, checks the MAC. */
export async function openDocument(
  stored: { branches: Branch[]; metadata: PlainValue | null },
  keys: KeySource,
  opts: OpenOptions = {},
): Promise<OpenDocument> {
  if (stored.metadata === null) throw new SecretsError("metadata", "sops metadata not found: the file is not encrypted");
  const metadata = parseMetadata(stored.metadata);
  const dataKey = await unwrapDataKey(metadata, keys);
  return openWithDataKey(stored.branches, metadata, dataKey, opts);
}

export interface OpenOptions {
  ignoreMac?: boolean;
  /** The caller only reads: `reencrypt` will not be called, so IVs need not be remembered. */
  readOnly?: boolean;
}

/** Decrypts every value with a known data key and checks the MAC (unless `ignoreMac`). */
export function openWithDataKey(encrypted: Branch[], metadata: Metadata, dataKey: Uint8Array, opts: OpenOptions = {}): OpenDocument {
  const cipher = new ValueCipher(dataKey, !opts.readOnly);
  const { branches, mac } = decryptBranches(encrypted, cipher, metadata);
  if (!opts.ignoreMac) verifyMac(cipher, metadata, mac);
  return { branches, metadata, dataKey, cipher };
}

/** Encrypts a plaintext tree into a new document (new data key, all values fresh). */
export async function encryptNew(
  branches: Branch[],
  recipients: Recipients,
  keys: KeySource,
  opts: EncryptionOptions = {},
): Promise<{ branches: Branch[]; metadata: Metadata; open: OpenDocument }> {
  checkPlain(branches);
  const dataKey = new Uint8Array(randomBytes(32));
  const { keyGroups, shamirThreshold } = await wrapDataKey(dataKey, recipients, keys);
  const metadata: Metadata = {
    keyGroups,
    shamirThreshold,
    lastModified: "",
    mac: "",
    encryptionRule: opts.encryptionRule ?? defaultEncryptionRule,
    macOnlyEncrypted: opts.macOnlyEncrypted ?? false,
    version: SOPS_VERSION,
    extra: {},
  };
  const cipher = new ValueCipher(dataKey);
  const enc = seal(branches, metadata, cipher);
  return { ...enc, open: { branches, metadata: enc.metadata, dataKey, cipher } };
}

/**
 * Encrypts `branches` under an opened document's data key and metadata: values unchanged since it
 * was opened keep their ciphertext byte for byte (the cipher's IV stash), `lastmodified` and the MAC
 * are new, recipients and `enc` entries untouched.
 */
export function reencrypt(open: OpenDocument, branches: Branch[]): { branches: Branch[]; metadata: Metadata } {
  checkPlain(branches);
  return seal(branches, open.metadata, open.cipher);
}

function seal(branches: Branch[], base: Metadata, cipher: ValueCipher): { branches: Branch[]; metadata: Metadata } {
  const lastModified = nowLastModified();
  const out = encryptBranches(branches, cipher, base);
  const mac = cipher.encryptFresh(out.mac, macAad(lastModified));
  return { branches: out.branches, metadata: { ...base, lastModified, mac, version: writtenVersion(base.version) } };
}

/** `rotate`: a new data key for the same tree and recipients (optionally changed). */
export async function rotate(open: OpenDocument, keys: KeySource, recipients?: Recipients): Promise<{ branches: Branch[]; metadata: Metadata }> {
  // Keys of types we do not implement (pgp, kms…) cannot be re-wrapped: a rotate would lock them out.
  if (open.metadata.keyGroups.some((g) => Object.keys(g.foreign).length)) {
    throw new SecretsError("generic", "cannot rotate a file that also has non-age keys (pgp, kms, …): they could not open the new data key");
  }
  const target = recipients ?? recipientsFromMetadata(open.metadata);
  const dataKey = new Uint8Array(randomBytes(32));
  const { keyGroups, shamirThreshold } = await wrapDataKey(dataKey, target, keys);
  return seal(open.branches, { ...open.metadata, keyGroups, shamirThreshold }, new ValueCipher(dataKey));
}

export function recipientsFromMetadata(m: Metadata): Recipients {
  return { groups: m.keyGroups.map((g) => g.age.map((a) => a.recipient)), shamirThreshold: m.shamirThreshold };
}

/**
 * `updatekeys`: wraps the existing data key for a new set of recipients. Values, `lastmodified` and
 * the MAC are untouched (so the file's MAC still verifies). Entries of recipients that stay are
 * re-wrapped too (sops does the same: age wraps are randomized anyway).
 */
export async function rewrap(stored: { metadata: PlainValue | null }, dataKey: Uint8Array, recipients: Recipients, keys: KeySource): Promise<Metadata> {
  if (stored.metadata === null) throw new SecretsError("metadata", "sops metadata not found: the file is not encrypted");
  const metadata = parseMetadata(stored.metadata);
  const { keyGroups, shamirThreshold } = await wrapDataKey(dataKey, recipients, keys);
  return { ...metadata, keyGroups, shamirThreshold, version: writtenVersion(metadata.version) };
}

/** Serializes an encrypted document with a store. */
export function emitEncrypted(store: Store, doc: { branches: Branch[]; metadata: Metadata }, options?: EmitOptions): Uint8Array {
  return store.emitEncrypted({ branches: doc.branches, metadata: metadataToPlain(doc.metadata) }, options);
}

/** True when the tree holds at least one value (comments alone do not count). */
export function hasData(branches: Branch[]): boolean {
  return branches.some((b) => b.items.some((i) => !(i instanceof Comment)));
}
