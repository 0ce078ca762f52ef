import { createHmac } from "node:crypto";
import { SecretsError } from "../errors.js";
import { toBytes } from "../sops/cipher.js";
import { openWithDataKey, unwrapDataKey } from "../sops/document.js";
import type { KeySource } from "../sops/keysource.js";
import type { Metadata } from "../sops/metadata.js";
import type { PathSegment } from "../sops/path.js";
import type { EmitOptions, Store } from "../sops/stores/store.js";
import { Branch, Comment, type Value } from "../sops/tree.js";
import { leafPath } from "./leaves.js";
import { parseVersion, type Version } from "./versions.js";

/**
 * `git diff` text for a secrets file (a git `textconv` filter): the file decrypted, in its own
 * format, with every encrypted value replaced by a short fingerprint unless values were asked for,
 * followed by comment lines with the recipients and an identifier of the data key.
 *
 * The fingerprint is HMAC-SHA256, keyed with a key derived from the file's data key, over the
 * value's path, type and plaintext, truncated to 48 bits (12 hex digits). Keyed, because a plain or
 * salted hash published in a diff (a CI log, a pull request) would let anyone test guesses of a
 * low-entropy value offline; with the data key as the secret, only someone who can decrypt the file
 * anyway can compute it. The path is in the input so that two keys holding the same value do not
 * show it. 48 bits are plenty to tell that a value changed, and too short to be an oracle for
 * anything. The cost: a data key rotation changes every fingerprint (the "data key" line shows why);
 * `secrets diff` compares decrypted values and is unaffected.
 *
 * Files that are not encrypted, or that cannot be parsed, pass through unchanged; a file the key
 * source cannot open is shown as stored, with a note, so `git diff` never fails because of us.
 */

const FINGERPRINT_LABEL = "gitops-secrets/textconv-fingerprint/v1";
const KEY_ID_LABEL = "gitops-secrets/data-key-id/v1";

export function fingerprintKey(dataKey: Uint8Array): Buffer {
  return createHmac("sha256", dataKey).update(FINGERPRINT_LABEL).digest();
}

export function fingerprint(fpKey: Uint8Array, path: string, value: Exclude<Value, null | Branch | unknown[]>): string {
  const { bytes, type } = toBytes(value);
  const mac = createHmac("sha256", fpKey).update(path).update("\0").update(type).update("\0").update(bytes).digest();
  return `fp:${mac.subarray(0, 6).toString("hex")}`;
}

/** A public identifier of a data key: tells two versions' keys apart, reveals nothing of it. */
export function dataKeyId(dataKey: Uint8Array): string {
  return createHmac("sha256", dataKey).update(KEY_ID_LABEL).digest().subarray(0, 6).toString("hex");
}

export interface TextconvOptions {
  /** Show decrypted values instead of fingerprints. */
  values?: boolean;
  /** Recipient → name (the `.sops.yaml` anchor), for the trailer. */
  names?: ReadonlyMap<string, string>;
  /** Names for recipients `names` lacks (a revoked one, from the policy's history); asked only when one is unnamed. */
  moreNames?: (unnamed: string[]) => Promise<ReadonlyMap<string, string>>;
  emit?: EmitOptions;
}

export async function textconv(bytes: Uint8Array, store: Store, keys: KeySource, opts: TextconvOptions = {}): Promise<Uint8Array> {
  let v: Version;
  try {
    v = parseVersion(store, bytes);
  } catch (e) {
    if (e instanceof SecretsError) return bytes;
    throw e;
  }
  if (!v.metadata) return bytes;
  const unnamed = v.metadata.keyGroups.flatMap((g) => g.age.map((a) => a.recipient)).filter((r) => !opts.names?.has(r));
  if (unnamed.length && opts.moreNames) opts = { ...opts, names: await opts.moreNames(unnamed) };
  let dataKey: Uint8Array;
  try {
    dataKey = await unwrapDataKey(v.metadata, keys);
  } catch (e) {
    if (!(e instanceof SecretsError)) throw e;
    return concat(bytes, trailer(v.metadata, null, ["cannot decrypt: no identity opens this version; shown as stored"], opts.names));
  }
  const notes: string[] = [];
  let branches: Branch[];
  try {
    branches = openWithDataKey(v.stored.branches, v.metadata, dataKey).branches;
  } catch (e) {
    if (!(e instanceof SecretsError) || e.kind !== "mac-mismatch") throw e;
    branches = openWithDataKey(v.stored.branches, v.metadata, dataKey, { ignoreMac: true }).branches;
    notes.push("MAC MISMATCH: this version was modified outside sops/secrets");
  }
  if (!opts.values) {
    const fpKey = fingerprintKey(dataKey);
    branches = branches.map((b, doc) => mask(b, v.stored.branches[doc], [], (segs, value) => fingerprint(fpKey, leafPath(doc, segs, branches.length), value)) as Branch);
  }
  let body: Uint8Array;
  if (store.format === "binary" && !opts.values) {
    // eslint-disable-next-line @typescript-eslint/no-base-to-string -- the binary store's data is encrypted, so masked it is its fingerprint text.
    body = Buffer.from(`${String(branches[0]?.get("data") ?? "")}\n`);
  } else {
    body = store.emitPlain(branches, opts.emit);
  }
  return concat(body, trailer(v.metadata, dataKey, notes, opts.names));
}

type Masker = (segs: PathSegment[], value: Exclude<Value, null | Branch | unknown[]>) => string;

/** The decrypted tree with each value that is encrypted in `stored` replaced by its fingerprint. */
function mask(plain: Value, stored: Value | Comment | undefined, segs: PathSegment[], fp: Masker): Value {
  if (plain instanceof Branch) {
    const s = stored instanceof Branch ? stored : undefined;
    return new Branch(plain.items.map((it) => (it instanceof Comment ? it : { key: it.key, value: mask(it.value, s?.get(it.key), [...segs, it.key], fp) })));
  }
  if (Array.isArray(plain)) {
    const s = Array.isArray(stored) ? stored.filter((x) => !(x instanceof Comment)) : [];
    let i = 0;
    return plain.map((x) => {
      if (x instanceof Comment) return x;
      const at = i++;
      return mask(x, s[at], [...segs, at], fp);
    });
  }
  if (plain === null) return null;
  const wasEncrypted = typeof stored === "string" && stored.startsWith("ENC[");
  return wasEncrypted ? fp(segs, plain) : plain;
}

function trailer(m: Metadata, dataKey: Uint8Array | null, notes: string[], names?: ReadonlyMap<string, string>): string {
  const lines = ["", "# --- sops metadata (secrets git textconv) ---"];
  for (const n of notes) lines.push(`# ${n}`);
  m.keyGroups.forEach((g, i) => {
    const group = m.keyGroups.length > 1 ? ` (key group ${i + 1})` : "";
    for (const a of g.age) {
      const name = names?.get(a.recipient);
      lines.push(`# recipient${group}: ${a.recipient}${name ? ` (${name})` : ""}`);
    }
    for (const t of Object.keys(g.foreign)) lines.push(`# other keys${group}: ${t}`);
  });
  if (dataKey) lines.push(`# data key id: ${dataKeyId(dataKey)}`);
  return lines.join("\n") + "\n";
}

function concat(body: Uint8Array, tail: string): Uint8Array {
  const b = Buffer.from(body);
  const sep = b.length && b[b.length - 1] !== 0x0a ? "\n" : "";
  return Buffer.concat([b, Buffer.from(sep + tail)]);
}
