import { createCipheriv, createDecipheriv, randomBytes } from "node:crypto";
import { SecretsError } from "../errors.js";
import { formatFloatF } from "./gofmt.js";
import { Comment, SopsFloat, SopsInt, SopsTime, type Scalar } from "./tree.js";

/**
 * The value cipher of sops (`aes/cipher.go`): AES-256-GCM per value, 32-byte IV, the AAD being the key
 * path. It sees scalars and comments only, never a file format.
 */

export type TypeTag = "str" | "int" | "float" | "bool" | "time" | "bytes" | "comment";

/** What can be encrypted: a non-null scalar, or a comment. */
export type Encryptable = Exclude<Scalar, null> | Comment;

// sops' grammar is `data:(.+),iv:(.+),tag:(.+),type:(.+)\]`; base64 has no comma, so `[^,]+` is the
// same for every well-formed value and does not backtrack through the whole string.
const encRe = /^ENC\[AES256_GCM,data:([^,]+),iv:([^,]+),tag:([^,]+),type:([^\]]+)\]/;

const IV_SIZE = 32;
const GCM_OPTIONS = { authTagLength: 16 } as const;
const enc = new TextEncoder();
// ignoreBOM: a value that starts with U+FEFF must keep it (the default decoder drops it).
const dec = new TextDecoder("utf-8", { ignoreBOM: true });
// fatal: tells text from raw bytes without re-encoding (Go strings may hold any bytes).
const strictDec = new TextDecoder("utf-8", { ignoreBOM: true, fatal: true });

export function isEncryptedValue(s: unknown): s is string {
  return typeof s === "string" && s.startsWith("ENC[AES256_GCM,");
}

/** The plaintext bytes and type tag sops uses for a value (`sops.go` ToBytes + `aes/cipher.go`). */
export function toBytes(v: Encryptable): { bytes: Uint8Array; type: TypeTag } {
  if (v instanceof Comment) return { bytes: enc.encode(v.text), type: "comment" };
  if (typeof v === "string") return { bytes: enc.encode(v), type: "str" };
  if (v instanceof Uint8Array) return { bytes: v, type: "str" };
  if (typeof v === "boolean") return { bytes: enc.encode(v ? "True" : "False"), type: "bool" };
  if (v instanceof SopsInt) return { bytes: enc.encode(v.value.toString()), type: "int" };
  if (v instanceof SopsFloat) return { bytes: enc.encode(formatFloatF(v.value)), type: "float" };
  if (v instanceof SopsTime) return { bytes: enc.encode(v.text), type: "time" };
  throw new TypeError("unencryptable value");
}

/** The bytes a value contributes to the MAC: its plaintext bytes (the same as `toBytes`). */
export function macBytes(v: Exclude<Scalar, null>): Uint8Array {
  return toBytes(v).bytes;
}

const goBool: Record<string, boolean> = {
  "1": true, t: true, T: true, TRUE: true, true: true, True: true,
  "0": false, f: false, F: false, FALSE: false, false: false, False: false,
};

/** Where a value is, for messages only: computed when an error needs it. */
export type PathText = () => string;

function fromBytes(bytes: Uint8Array, type: string, path: PathText): Encryptable {
  const text = () => dec.decode(bytes);
  const bad = (what: string) => new SecretsError("decrypt-tree", `cannot parse decrypted ${what} at ${path()}`);
  switch (type) {
    case "str": {
      // Go strings are byte strings: keep non-UTF-8 payloads (the binary store) as bytes.
      try {
        return strictDec.decode(bytes);
      } catch {
        return bytes;
      }
    }
    case "bytes":
      return bytes;
    case "comment":
      return new Comment(text());
    case "int": {
      const s = text();
      if (!/^[+-]?\d+$/.test(s)) throw bad("int");
      const n = BigInt(s);
      if (n > 9223372036854775807n || n < -9223372036854775808n) throw bad("int");
      return new SopsInt(n);
    }
    case "float": {
      const s = text();
      const f = parseGoFloat(s);
      if (f === null) throw bad("float");
      return new SopsFloat(f);
    }
    case "bool": {
      const b = goBool[text()];
      if (b === undefined) throw bad("bool");
      return b;
    }
    case "time": {
      const s = text();
      if (Number.isNaN(Date.parse(s))) throw bad("time");
      return new SopsTime(s);
    }
    default:
      throw new SecretsError("decrypt-tree", `unknown value type at ${path()}`);
  }
}

/** Go `strconv.ParseFloat` for the forms sops writes (decimal, exponent, NaN, ±Inf). */
function parseGoFloat(s: string): number | null {
  if (/^[+-]?(inf|infinity)$/i.test(s)) return s.startsWith("-") ? -Infinity : Infinity;
  if (/^nan$/i.test(s)) return NaN;
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(s)) return null;
  return Number(s);
}

interface ParsedEnc {
  data: Buffer;
  iv: Buffer;
  tag: Buffer;
  type: string;
}

/**
 * Go's base64.StdEncoding: the standard alphabet, `=`-padded to a multiple of 4 (trailing bits need
 * not be zero). Node's decoder skips characters outside the alphabet, so a length that falls short of
 * what the text promises means there was one; it also takes the URL alphabet, which Go does not.
 */
function decodeB64(s: string): Buffer | null {
  const n = s.length;
  if (n === 0 || n % 4 !== 0 || s.includes("-") || s.includes("_")) return null;
  const pad = s.charCodeAt(n - 1) === 61 ? (s.charCodeAt(n - 2) === 61 ? 2 : 1) : 0;
  const b = Buffer.from(s, "base64");
  return b.length === (n / 4) * 3 - pad ? b : null;
}

/** Parses `ENC[AES256_GCM,data:…,iv:…,tag:…,type:…]`, or throws naming the path (never the value). */
export function parseEncryptedValue(s: string, path: string | PathText): ParsedEnc {
  const m = encRe.exec(s);
  // Indexing, not destructuring: this runs once per value, mostly before V8 has optimised it, and
  // destructuring an array goes through the iterator protocol.
  const data = m && decodeB64(m[1]!);
  const iv = data && decodeB64(m[2]!);
  const tag = iv && iv.length > 0 && decodeB64(m[3]!);
  if (!tag) throw new SecretsError("decrypt-tree", `malformed encrypted value at ${typeof path === "string" ? path : path()}`);
  return { data, iv, tag, type: m[4]! };
}

function stashKey(aad: string, bytes: Uint8Array, type: string): string {
  // latin1 maps each byte to one char: an exact, cheap key for arbitrary bytes.
  return `${type}\u0000${aad}\u0000${Buffer.from(bytes.buffer, bytes.byteOffset, bytes.byteLength).toString("latin1")}`;
}

/**
 * One data key's value cipher. It remembers the IV of every value it decrypted, by (AAD, plaintext,
 * type), and reuses it when the same value is encrypted again under the same path: unchanged values
 * then keep byte-identical ciphertext, which is what makes `set`/`edit` diffs minimal (sops does the
 * same, `aes/cipher.go`). Reusing an IV is safe here only because key, AAD and plaintext are all
 * identical, so the ciphertext is identical too: nothing new is revealed.
 */
export class ValueCipher {
  private readonly stash = new Map<string, Buffer>();

  /**
   * `remember`: keep decrypted values' IVs for re-encryption (default). A read-only caller (decrypt,
   * get) passes false and skips that bookkeeping, one string key and map entry per value.
   */
  constructor(
    private readonly key: Uint8Array,
    private readonly remember = true,
  ) {
    if (key.length !== 32) throw new TypeError("data key must be 32 bytes");
  }

  /** Encrypts one value. Empty strings/bytes/comments are not encrypted (sops writes `""`). */
  encrypt(value: Encryptable, aad: string): string {
    const { bytes, type } = toBytes(value);
    if (bytes.length === 0 && (type === "str" || type === "comment")) return "";
    const iv = this.stash.get(stashKey(aad, bytes, type)) ?? randomBytes(IV_SIZE);
    return this.seal(bytes, type, iv, aad);
  }

  /** Encrypts a string with a fresh IV (the MAC: its AAD is `lastmodified`, never reused). */
  encryptFresh(text: string, aad: string): string {
    return this.seal(enc.encode(text), "str", randomBytes(IV_SIZE), aad);
  }

  private seal(bytes: Uint8Array, type: TypeTag, iv: Buffer, aad: string): string {
    const c = createCipheriv("aes-256-gcm", this.key, iv);
    c.setAAD(enc.encode(aad));
    const data = Buffer.concat([c.update(bytes), c.final()]);
    const tag = c.getAuthTag();
    return `ENC[AES256_GCM,data:${data.toString("base64")},iv:${iv.toString("base64")},tag:${tag.toString("base64")},type:${type}]`;
  }

  /**
   * Decrypts one `ENC[…]` string. `path` is for messages only. Throws SecretsError kind
   * `decrypt-tree` when the value is malformed, fails authentication, or its type is unknown.
   */
  decrypt(s: string, aad: string, path: string | PathText): Encryptable {
    return this.decryptWithBytes(s, aad, typeof path === "string" ? () => path : path).value;
  }

  /** `decrypt`, also returning the plaintext bytes (what the MAC hashes: no re-encoding). */
  decryptWithBytes(s: string, aad: string, path: PathText): { value: Encryptable; bytes: Uint8Array } {
    const p = parseEncryptedValue(s, path);
    let bytes: Buffer;
    try {
      const d = createDecipheriv("aes-256-gcm", this.key, p.iv, GCM_OPTIONS);
      d.setAAD(enc.encode(aad));
      if (p.tag.length !== 16) throw new Error("bad tag length");
      d.setAuthTag(p.tag);
      bytes = d.update(p.data);
      // GCM is a stream mode: final() returns nothing, it checks the tag (and throws on a mismatch).
      d.final();
    } catch (e) {
      throw new SecretsError("decrypt-tree", `cannot decrypt value at ${path()}: authentication failed (wrong key or tampered)`, { cause: e });
    }
    const value = fromBytes(bytes, p.type, path);
    if (this.remember) this.stash.set(stashKey(aad, bytes, p.type === "bytes" ? "str" : p.type), p.iv);
    return { value, bytes };
  }
}
