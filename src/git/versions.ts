import { SecretsError } from "../errors.js";
import { unwrapDataKey, openWithDataKey, type OpenDocument } from "../sops/document.js";
import type { KeySource } from "../sops/keysource.js";
import { parseMetadata, type Metadata } from "../sops/metadata.js";
import type { Store } from "../sops/stores/store.js";
import type { StoredDocument } from "../sops/tree.js";
import { leaves, type Leaf } from "./leaves.js";

/**
 * One stored version of a secrets file (a blob, the index entry or the work tree file), read
 * without decrypting anything: its encrypted leaves and its metadata. Opening it (decrypting) is a
 * separate step that may fail for lack of a key, which history must survive.
 */

export interface Version {
  stored: StoredDocument;
  /** null when the content has no sops metadata (a plaintext file). */
  metadata: Metadata | null;
  /** Encrypted leaves: `ENC[…]` strings (clear values for keys the rule leaves unencrypted). */
  leaves: Map<string, Leaf>;
}

/** Parses one version. Throws SecretsError (`parse`, `metadata`) for content that is not a valid file. */
export function parseVersion(store: Store, bytes: Uint8Array): Version {
  if (bytes.length === 0) throw new SecretsError("parse", "the file is empty");
  const stored = store.parseEncrypted(bytes);
  const metadata = stored.metadata === null ? null : parseMetadata(stored.metadata);
  return { stored, metadata, leaves: leaves(stored.branches) };
}

/** Whether the data key can be the same: same key entries, or some value with identical ciphertext. */
export function sameDataKey(a: Version, b: Version): boolean {
  if (a.metadata && b.metadata && encId(a.metadata) === encId(b.metadata)) return true;
  for (const [p, la] of a.leaves) {
    const v = la.value;
    if (typeof v === "string" && v.startsWith("ENC[") && b.leaves.get(p)?.value === v) return true;
  }
  return false;
}

/** The key entries of a file as one string: two files with equal ids have the same data key. */
export function encId(m: Metadata): string {
  return JSON.stringify(m.keyGroups.map((g) => g.age.map((a) => [a.recipient, a.enc.trim()])));
}

/** Recipients of each key group. */
export function recipientGroups(m: Metadata): string[][] {
  return m.keyGroups.map((g) => g.age.map((a) => a.recipient));
}

/**
 * Opens versions with one key source, unwrapping each distinct set of key entries once (history
 * mostly shares one data key across hundreds of versions). A version no identity can open gives
 * null; any other failure (tampered file, MAC mismatch) is thrown.
 */
export class Opener {
  private readonly keysByEnc = new Map<string, Promise<Uint8Array | null>>();

  constructor(private readonly keys: KeySource) {}

  dataKey(metadata: Metadata): Promise<Uint8Array | null> {
    const id = encId(metadata);
    let p = this.keysByEnc.get(id);
    if (!p) {
      p = unwrapDataKey(metadata, this.keys).catch((e: unknown) => {
        if (e instanceof SecretsError && e.kind === "no-key") return null;
        throw e;
      });
      this.keysByEnc.set(id, p);
    }
    return p;
  }

  async open(v: Version, opts: { ignoreMac?: boolean } = {}): Promise<OpenDocument | null> {
    if (!v.metadata) return null;
    const key = await this.dataKey(v.metadata);
    return key ? openWithDataKey(v.stored.branches, v.metadata, key, opts) : null;
  }
}
