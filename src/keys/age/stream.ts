import { randomBytes } from "node:crypto";
import { AgeError } from "./errors.js";
import { aeadOpen, aeadSeal, hkdf } from "./primitives.js";

/**
 * The age payload: a 16-byte nonce, then STREAM (ChaCha20-Poly1305 over 64 KiB chunks, nonce =
 * 11-byte big-endian counter || last-chunk flag) under HKDF-SHA-256(file key, salt nonce, "payload").
 *
 * All or nothing: either the whole plaintext is returned or AgeError is thrown. Rejected: a missing
 * or short nonce ("header", as the age vectors classify it), no chunk at all, a chunk shorter than a
 * tag, a bad tag, a missing last-chunk flag, data after the last chunk, an empty last chunk that is
 * not the only one.
 *
 * Writing (`encryptPayload`) produces the only encoding age accepts: full 64 KiB chunks, then a
 * last chunk of 1..64 KiB (or a single empty chunk for an empty plaintext).
 */

const CHUNK = 64 * 1024;
const TAG = 16;
const ENC_CHUNK = CHUNK + TAG;
const NONCE = 16;

/** The STREAM nonce of chunk `i`: 11-byte big-endian counter, then the last-chunk flag. */
function chunkNonce(iv: Uint8Array, i: number, last: boolean): Uint8Array {
  // The file sizes we see never need more than the low 6 bytes of the counter.
  let c = i;
  for (let j = 10; j >= 0; j--) {
    iv[j] = c % 256;
    c = Math.floor(c / 256);
  }
  iv[11] = last ? 1 : 0;
  return iv;
}

/** The payload of an age file: a fresh 16-byte nonce, then `plaintext` in STREAM chunks. */
export function encryptPayload(fileKey: Uint8Array, plaintext: Uint8Array): Uint8Array {
  const nonce = randomBytes(NONCE);
  const key = hkdf(fileKey, nonce, "payload");
  const chunks = Math.max(1, Math.ceil(plaintext.length / CHUNK));
  const parts: Uint8Array[] = [nonce];
  const iv = new Uint8Array(12);
  for (let i = 0; i < chunks; i++) {
    const last = i === chunks - 1;
    parts.push(aeadSeal(key, chunkNonce(iv, i, last), plaintext.subarray(i * CHUNK, last ? plaintext.length : (i + 1) * CHUNK)));
  }
  return Buffer.concat(parts);
}

export function decryptPayload(fileKey: Uint8Array, payload: Uint8Array): Uint8Array {
  if (payload.length < NONCE) throw new AgeError("header", "invalid age file: missing or short payload nonce");
  const key = hkdf(fileKey, payload.subarray(0, NONCE), "payload");
  const body = payload.subarray(NONCE);
  const fail = (why: string): never => {
    throw new AgeError("payload", `invalid age payload: ${why}`);
  };
  if (body.length === 0) fail("no chunks");
  const chunks = Math.ceil(body.length / ENC_CHUNK);
  const lastLen = body.length - (chunks - 1) * ENC_CHUNK;
  if (lastLen < TAG) fail("truncated chunk");
  const out = new Uint8Array(body.length - chunks * TAG);
  const iv = new Uint8Array(12);
  for (let i = 0; i < chunks; i++) {
    const last = i === chunks - 1;
    const start = i * ENC_CHUNK;
    const pt = aeadOpen(key, chunkNonce(iv, i, last), body.subarray(start, last ? body.length : start + ENC_CHUNK));
    if (pt === null) fail(last ? "last chunk does not authenticate (truncated, or data after the end)" : `chunk ${i + 1} does not authenticate`);
    if (last && pt!.length === 0 && i > 0) fail("empty last chunk");
    out.set(pt!, i * CHUNK);
  }
  return out;
}
