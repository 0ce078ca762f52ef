import { createHash } from "node:crypto";
import { SecretsError } from "../errors.js";
import { isEncryptedValue, macBytes, ValueCipher } from "./cipher.js";
import type { EncryptionRule, Metadata } from "./metadata.js";
import { compileGoRegexp } from "../util/go-regexp.js";
import { MAX_NESTING, nestingTooDeep } from "./nesting.js";
import { Branch, Comment, type List, type Scalar, type Value } from "./tree.js";

/**
 * Encrypting and decrypting a whole tree, and its MAC (`sops.go` Tree.Encrypt / Tree.Decrypt).
 *
 * The walk order is sops': documents in order, items in order, lists in order, depth first. The MAC
 * is SHA-512 over the plaintext bytes of every non-null, non-comment value in that order (only the
 * encrypted ones, after a sha256("sops") seed, with `mac_only_encrypted`).
 */

const MAC_ONLY_SEED = createHash("sha256").update("sops").digest();

/** A rule's RE2 pattern; sops treats a pattern that does not compile as matching nothing. */
function compileRule(pattern: string): RegExp | null {
  try {
    return compileGoRegexp(pattern);
  } catch {
    return null;
  }
}

/** Decides, per value, whether it is encrypted: one rule per file (docs/sops-format.md §4). */
class RuleMatcher {
  private readonly re: RegExp | null;
  readonly usesComments: boolean;
  /** For the key rules: true when a key on the path matching the rule means "encrypt". */
  private readonly hitMeansEncrypt: boolean;
  /** The suffix of a suffix rule (tested once per key, so worked out once). */
  private readonly suffix: string | null;

  constructor(private readonly rule: EncryptionRule) {
    this.re = rule.kind.endsWith("_regex") ? compileRule(rule.value) : null;
    this.usesComments = rule.kind.endsWith("_comment_regex");
    this.hitMeansEncrypt = rule.kind === "encrypted_suffix" || rule.kind === "encrypted_regex";
    this.suffix = rule.kind.endsWith("_suffix") ? rule.value : null;
  }

  /** Whether one key matches a key rule (always false for the comment rules). */
  keyMatches(k: string): boolean {
    if (this.usesComments) return false;
    if (this.suffix !== null) return k.endsWith(this.suffix);
    return this.re !== null && this.re.test(k);
  }

  commentMatches(c: string): boolean {
    return this.re !== null && this.re.test(c);
  }

  /** `keyHit`: some key on the path matched; `comments`: texts of the preceding comments in scope. */
  shouldEncrypt(keyHit: boolean, comments: readonly string[]): boolean {
    switch (this.rule.kind) {
      case "unencrypted_comment_regex":
        return !comments.some((c) => this.commentMatches(c));
      case "encrypted_comment_regex":
        return comments.some((c) => this.commentMatches(c));
      default:
        return this.hitMeansEncrypt ? keyHit : !keyHit;
    }
  }

  /** Whether a comment itself is encrypted: it follows the same decision, but a comment that
   * carries a comment rule's marker must stay readable, or the rule could not be read back. */
  shouldEncryptComment(keyHit: boolean, comments: readonly string[], text: string): boolean {
    if (this.usesComments && this.commentMatches(text)) return false;
    return this.shouldEncrypt(keyHit, comments);
  }
}

/**
 * Where the walk is: the AAD (`a:b:`), whether a key on the path matched the key rule, and the path
 * itself as a parent link (rendered only for an error message).
 */
interface Place {
  readonly aad: string;
  readonly keyHit: boolean;
  readonly key: string | null;
  readonly parent: Place | null;
}

const ROOT: Place = { aad: ":", keyHit: false, key: null, parent: null };

function pathText(p: Place): string {
  const keys: string[] = [];
  for (let q: Place | null = p; q && q.key !== null; q = q.parent) keys.push(q.key);
  return keys.length ? keys.reverse().map((k) => `["${k}"]`).join("") : "(top level)";
}

type Mode = "encrypt" | "decrypt";

/** No comments in scope: shared, so that the common case allocates nothing per value. */
const NO_COMMENTS: readonly string[] = Object.freeze([]);

class Walker {
  /** What the MAC hashes, in walk order: hashed in one call at the end (one per value costs more). */
  private readonly macInput: Uint8Array[] = [];
  private readonly matcher: RuleMatcher;
  /** Comment texts seen before the current item, one list per enclosing level (plaintext form). */
  private readonly commentStack: string[][] = [];

  constructor(
    private readonly mode: Mode,
    private readonly cipher: ValueCipher,
    private readonly meta: Pick<Metadata, "encryptionRule" | "macOnlyEncrypted">,
  ) {
    this.matcher = new RuleMatcher(meta.encryptionRule);
    if (meta.macOnlyEncrypted) this.macInput.push(MAC_ONLY_SEED);
  }

  digest(): string {
    return createHash("sha512").update(Buffer.concat(this.macInput)).digest("hex").toUpperCase();
  }

  private child(p: Place, key: string): Place {
    return { aad: (p === ROOT ? "" : p.aad) + key + ":", keyHit: p.keyHit || this.matcher.keyMatches(key), key, parent: p };
  }

  private scopeComments(extra: readonly string[] = NO_COMMENTS): string[] {
    if (!this.matcher.usesComments) return [];
    return [...this.commentStack.flat(), ...extra];
  }

  /** `depth`: how many containers this one is in, itself included (the document is 1). */
  branch(b: Branch, place: Place = ROOT, depth = 1): Branch {
    const out: Array<Branch["items"][number]> = [];
    const level: string[] = [];
    this.commentStack.push(level);
    const items = b.items;
    for (let i = 0; i < items.length; i++) {
      const it = items[i]!;
      if (it instanceof Comment) {
        const c = this.comment(it, place);
        out.push(c);
        level.push(c.text);
        continue;
      }
      // An inline comment on the same line belongs to this item for the comment rules.
      const next = items[i + 1];
      const inline = this.matcher.usesComments && next instanceof Comment && next.inline ? [this.peekComment(next, place)] : NO_COMMENTS;
      out.push({ key: it.key, value: this.value(it.value, this.child(place, it.key), inline, depth) });
      level.length = 0;
    }
    this.commentStack.pop();
    return new Branch(out);
  }

  private list(l: List, place: Place, depth: number): List {
    const out: List = [];
    const level: string[] = [];
    this.commentStack.push(level);
    for (let i = 0; i < l.length; i++) {
      const v = l[i]!;
      if (v instanceof Comment) {
        const c = this.comment(v, place);
        out.push(c);
        level.push(c.text);
        continue;
      }
      const next = l[i + 1];
      const inline = this.matcher.usesComments && next instanceof Comment && next.inline ? [this.peekComment(next, place)] : NO_COMMENTS;
      // List indexes are not part of the path (sops walkSlice).
      out.push(this.value(v, place, inline, depth));
      level.length = 0;
    }
    this.commentStack.pop();
    return out;
  }

  private value(v: Value, place: Place, inlineComments: readonly string[], depth: number): Value {
    // Trees from a store are bounded by its parser; this bounds the others (`set`, the SDK), so
    // that this walk, and every later one, stays far under the stack limit.
    if ((v instanceof Branch || Array.isArray(v)) && depth >= MAX_NESTING) throw nestingTooDeep(`the value at ${pathText(place)}`);
    if (v instanceof Branch) return this.branch(v, place, depth + 1);
    if (Array.isArray(v)) return this.list(v, place, depth + 1);
    return this.scalar(v, place, inlineComments);
  }

  /** The plaintext text of a comment, for the comment rules (decrypting it if needed). */
  private peekComment(c: Comment, place: Place): string {
    if (this.mode === "encrypt" || !isEncryptedValue(c.text)) return c.text;
    try {
      const d = this.cipher.decrypt(c.text, place.aad, () => pathText(place));
      return d instanceof Comment ? d.text : c.text;
    } catch {
      return c.text;
    }
  }

  private comment(c: Comment, place: Place): Comment {
    if (this.mode === "encrypt") {
      if (c.text === "" || !this.matcher.shouldEncryptComment(place.keyHit, this.scopeComments(), c.text)) return c;
      const e = this.cipher.encrypt(c, place.aad);
      // sops refuses this too: on reading back, the ciphertext would be taken for the marker.
      if (this.matcher.usesComments && this.matcher.commentMatches(e)) {
        throw new SecretsError("encrypt-tree", `an encrypted comment at ${pathText(place)} matches the comment rule; re-run to get another IV`);
      }
      return new Comment(e, c.inline);
    }
    if (!isEncryptedValue(c.text)) return c;
    try {
      const d = this.cipher.decrypt(c.text, place.aad, () => pathText(place));
      return d instanceof Comment ? new Comment(d.text, c.inline) : c;
    } catch {
      // sops keeps a comment that does not decrypt as it is (old files, hand-added comments).
      return c;
    }
  }

  private scalar(v: Scalar, place: Place, inlineComments: readonly string[]): Scalar {
    if (v === null) return null; // never encrypted, not in the MAC
    const encrypted = this.matcher.shouldEncrypt(place.keyHit, this.matcher.usesComments ? this.scopeComments(inlineComments) : NO_COMMENTS);
    if (this.mode === "encrypt") {
      if (!this.meta.macOnlyEncrypted || encrypted) this.macInput.push(macBytes(v));
      return encrypted ? this.cipher.encrypt(v, place.aad) : v;
    }
    if (!encrypted) {
      if (!this.meta.macOnlyEncrypted) this.macInput.push(macBytes(v));
      return v;
    }
    if (typeof v !== "string") {
      throw new SecretsError("decrypt-tree", `value at ${pathText(place)} should be encrypted but is not`);
    }
    if (v === "") return ""; // empty values are stored unencrypted
    const d = this.cipher.decryptWithBytes(v, place.aad, () => pathText(place));
    if (d.value instanceof Comment) throw new SecretsError("decrypt-tree", `value at ${pathText(place)} has type comment`);
    // sops hashes ToBytes(decoded value): for strings that is the plaintext itself; numbers, bools
    // and times are re-formatted (a hand-made `007` or `true` hashes as `7` or `True`).
    this.macInput.push(typeof d.value === "string" || d.value instanceof Uint8Array ? d.bytes : macBytes(d.value));
    return d.value;
  }
}

/** Encrypts every branch; returns the encrypted branches and the MAC digest (upper-case hex). */
export function encryptBranches(
  branches: Branch[],
  cipher: ValueCipher,
  meta: Pick<Metadata, "encryptionRule" | "macOnlyEncrypted">,
): { branches: Branch[]; mac: string } {
  const w = new Walker("encrypt", cipher, meta);
  const out = branches.map((b) => w.branch(b));
  return { branches: out, mac: w.digest() };
}

/** Decrypts every branch; returns the plaintext branches and the MAC digest computed over them. */
export function decryptBranches(
  branches: Branch[],
  cipher: ValueCipher,
  meta: Pick<Metadata, "encryptionRule" | "macOnlyEncrypted">,
): { branches: Branch[]; mac: string } {
  const w = new Walker("decrypt", cipher, meta);
  const out = branches.map((b) => w.branch(b));
  return { branches: out, mac: w.digest() };
}

/**
 * The AAD of the MAC: `lastmodified` re-formatted as Go's RFC 3339 (fractional seconds dropped,
 * offset kept). Throws kind `metadata` when it is not an RFC 3339 time.
 */
export function macAad(lastModified: string): string {
  const m = /^(\d{4}-\d{2}-\d{2})[Tt](\d{2}:\d{2}:\d{2})(?:\.\d+)?([Zz]|[+-]\d{2}:\d{2})$/.exec(lastModified);
  if (!m) throw new SecretsError("metadata", "invalid sops metadata: lastmodified is not an RFC 3339 time");
  return `${m[1]}T${m[2]}${m[3]!.toUpperCase()}`;
}

/**
 * Checks the stored MAC against the computed one. Throws kind `mac-mismatch` (exit 51) when the file
 * has no MAC, when it does not decrypt (tampered MAC or `lastmodified`), or when it differs.
 */
export function verifyMac(cipher: ValueCipher, meta: Pick<Metadata, "mac" | "lastModified">, computed: string): void {
  if (!meta.mac) throw new SecretsError("mac-mismatch", "file has no MAC (use --ignore-mac to decrypt anyway)");
  let stored: unknown;
  try {
    stored = cipher.decrypt(meta.mac, macAad(meta.lastModified), "sops.mac");
  } catch (e) {
    if (e instanceof SecretsError && e.kind === "metadata") throw e;
    throw new SecretsError("mac-mismatch", "cannot decrypt the MAC: the file or its lastmodified was tampered with", { cause: e });
  }
  if (stored !== computed) {
    throw new SecretsError("mac-mismatch", "MAC mismatch: the file was modified outside sops/secrets (use --ignore-mac to decrypt anyway)");
  }
}
