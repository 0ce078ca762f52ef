import { diffieHellman, generateKeyPairSync, type KeyObject } from "node:crypto";
import { decodeBase64Raw, encodeBase64Raw } from "./base64.js";
import { bech32Decode, bech32Encode } from "./bech32.js";
import { AgeError } from "./errors.js";
import { aeadOpen, aeadSeal, hkdf, x25519PrivateKey, x25519PublicKey, x25519RawPublic } from "./primitives.js";
import type { AgeIdentity, AgeRecipient, Stanza } from "./types.js";

/**
 * The native age X25519 recipient type on node:crypto (no third-party code on this path):
 *
 *     -> X25519 <ephemeral share, 32 bytes, unpadded base64>
 *     <ChaCha20-Poly1305(key, zero nonce, file key)>   (32 bytes)
 *     key = HKDF-SHA-256(ikm = X25519(secret, share), salt = share || recipient, "age-encryption.org/v1/X25519")
 */

const LABEL = "age-encryption.org/v1/X25519";
const ZERO_NONCE = new Uint8Array(12);

function isAllZero(b: Uint8Array): boolean {
  let acc = 0;
  for (let i = 0; i < b.length; i++) acc |= b[i]!;
  return acc === 0;
}

/** Shared secret, or null when the peer point is low order (the result would be all zeros). */
function sharedSecret(privateKey: KeyObject, publicKey: KeyObject): Uint8Array | null {
  let secret: Uint8Array;
  try {
    secret = diffieHellman({ privateKey, publicKey });
  } catch {
    return null; // OpenSSL refuses an all-zero result
  }
  return isAllZero(secret) ? null : secret;
}

/** Decodes `age1…` (lowercase, one separator, 32-byte point). Returns null if malformed. */
export function decodeX25519Recipient(s: string): Uint8Array | null {
  if (!s.startsWith("age1")) return null;
  const d = bech32Decode(s);
  return d && d.hrp === "age" && d.data.length === 32 ? d.data : null;
}

/** Decodes `AGE-SECRET-KEY-1…` (uppercase, 32-byte scalar). Returns null if malformed. */
export function decodeX25519Identity(s: string): Uint8Array | null {
  if (!s.startsWith("AGE-SECRET-KEY-1")) return null;
  const d = bech32Decode(s);
  return d && d.hrp === "age-secret-key-" && d.data.length === 32 ? d.data : null;
}

export function encodeX25519Identity(scalar: Uint8Array): string {
  return bech32Encode("AGE-SECRET-KEY-", scalar, true);
}

export function encodeX25519Recipient(point: Uint8Array): string {
  return bech32Encode("age", point);
}

export class X25519Identity implements AgeIdentity {
  readonly type = "x25519" as const;
  readonly #key: KeyObject;
  #point: Uint8Array | undefined;

  /** `scalar`: the 32 raw secret-key bytes. */
  constructor(scalar: Uint8Array) {
    if (scalar.length !== 32) throw new Error("X25519 secret key must be 32 bytes");
    this.#key = x25519PrivateKey(scalar);
  }

  /** Parses `AGE-SECRET-KEY-1…`; returns null (never echoing the input) when malformed. */
  static parse(s: string): X25519Identity | null {
    const scalar = decodeX25519Identity(s);
    return scalar ? new X25519Identity(scalar) : null;
  }

  /** The public point, computed once. */
  get point(): Uint8Array {
    return (this.#point ??= x25519RawPublic(this.#key));
  }

  recipient(): Promise<string> {
    return Promise.resolve(encodeX25519Recipient(this.point));
  }

  unwrapFileKey(stanzas: Stanza[]): Uint8Array | null {
    for (const s of stanzas) {
      if (s.args[0] !== "X25519") continue;
      if (s.args.length !== 2) throw new AgeError("header", "invalid X25519 stanza: wrong number of arguments");
      const share = decodeBase64Raw(s.args[1]!);
      if (share === null || share.length !== 32) throw new AgeError("header", "invalid X25519 stanza: malformed share");
      if (s.body.length !== 32) throw new AgeError("header", "invalid X25519 stanza: the file key is not 16 bytes");
      const secret = sharedSecret(this.#key, x25519PublicKey(share));
      if (secret === null) throw new AgeError("header", "invalid X25519 stanza: low-order share");
      const salt = Buffer.concat([share, this.point]);
      const fileKey = aeadOpen(hkdf(secret, salt, LABEL), ZERO_NONCE, s.body);
      if (fileKey !== null) return fileKey;
    }
    return null;
  }
}

export class X25519Recipient implements AgeRecipient {
  readonly #point: Uint8Array;
  readonly #key: KeyObject;

  /** `recipient`: `age1…`. Throws Error (naming nothing secret) when malformed or low order. */
  constructor(recipient: string) {
    const point = decodeX25519Recipient(recipient);
    if (point === null) throw new Error("invalid X25519 recipient");
    this.#point = point;
    this.#key = x25519PublicKey(point);
  }

  wrapFileKey(fileKey: Uint8Array): Stanza[] {
    const { privateKey, publicKey } = generateKeyPairSync("x25519");
    const secret = sharedSecret(privateKey, this.#key);
    if (secret === null) throw new Error("a low-order point, not a usable X25519 public key");
    const share = x25519RawPublic(publicKey);
    const key = hkdf(secret, Buffer.concat([share, this.#point]), LABEL);
    return [{ args: ["X25519", encodeBase64Raw(share)], body: aeadSeal(key, ZERO_NONCE, fileKey) }];
  }
}
