import { createCipheriv, createDecipheriv, createHmac, createPrivateKey, createPublicKey, timingSafeEqual, type KeyObject } from "node:crypto";

/** The node:crypto primitives age needs: HKDF-SHA-256, HMAC-SHA-256, ChaCha20-Poly1305, X25519 keys. */

const TAG = 16;

/**
 * HKDF-SHA-256 (RFC 5869), written out over HMAC: node's `hkdfSync` gives the same bytes but costs
 * ~25 us a call on OpenSSL 3 (it fetches the KDF every time) against ~5 us here, and every wrap
 * needs three. An empty salt is HMAC's all-zero key, as the RFC says. `length` is at most 8,160.
 */
export function hkdf(ikm: Uint8Array, salt: Uint8Array, info: string, length = 32): Uint8Array {
  if (!Number.isInteger(length) || length < 0 || length > 255 * 32) throw new RangeError("invalid HKDF output length");
  const prk = createHmac("sha256", salt).update(ikm).digest();
  const out = new Uint8Array(length);
  let block: Uint8Array = new Uint8Array(0);
  for (let i = 1, off = 0; off < length; i++, off += 32) {
    block = createHmac("sha256", prk).update(block).update(info, "utf8").update(Uint8Array.of(i)).digest();
    out.set(block.subarray(0, Math.min(32, length - off)), off);
  }
  return out;
}

export function hmacSha256(key: Uint8Array, data: Uint8Array): Uint8Array {
  return createHmac("sha256", key).update(data).digest();
}

export function constantTimeEqual(a: Uint8Array, b: Uint8Array): boolean {
  return a.length === b.length && timingSafeEqual(a, b);
}

/** ChaCha20-Poly1305 open; null when the tag does not verify (or the input is shorter than a tag). */
export function aeadOpen(key: Uint8Array, nonce: Uint8Array, sealed: Uint8Array): Uint8Array | null {
  if (sealed.length < TAG) return null;
  const d = createDecipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG });
  d.setAuthTag(sealed.subarray(sealed.length - TAG));
  const head = d.update(sealed.subarray(0, sealed.length - TAG));
  try {
    const tail = d.final();
    return tail.length ? Buffer.concat([head, tail]) : head;
  } catch {
    return null;
  }
}

export function aeadSeal(key: Uint8Array, nonce: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const c = createCipheriv("chacha20-poly1305", key, nonce, { authTagLength: TAG });
  return Buffer.concat([c.update(plaintext), c.final(), c.getAuthTag()]);
}

/*
 * X25519 keys go in and out as JWK (raw key bytes in base64url): on Node 20 / OpenSSL 3 that is
 * 10-40x faster than DER (importing a PKCS#8 or SPKI key runs OpenSSL's decoder chain, ~0.2-0.8 ms;
 * exporting SPKI ~0.1 ms), and the wrap and unwrap paths build or read one key per stanza.
 */

export function x25519PrivateKey(scalar: Uint8Array): KeyObject {
  if (scalar.length !== 32) throw new Error("X25519 secret key must be 32 bytes");
  // `x` must be a string but is not read for a private key: the public point is derived from `d`.
  return createPrivateKey({ key: { kty: "OKP", crv: "X25519", d: base64url(scalar), x: "" }, format: "jwk" });
}

export function x25519PublicKey(point: Uint8Array): KeyObject {
  if (point.length !== 32) throw new Error("X25519 public key must be 32 bytes");
  return createPublicKey({ key: { kty: "OKP", crv: "X25519", x: base64url(point) }, format: "jwk" });
}

/** The raw 32-byte public point of an X25519 key object (private or public). */
export function x25519RawPublic(key: KeyObject): Uint8Array {
  const x = key.export({ format: "jwk" }).x;
  const point = typeof x === "string" ? Buffer.from(x, "base64url") : undefined;
  if (point?.length !== 32) throw new Error("not an X25519 key");
  return new Uint8Array(point.buffer, point.byteOffset, 32);
}

function base64url(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64url");
}
