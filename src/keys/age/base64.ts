/**
 * Strict base64 as age uses it (`encoding/base64` StdEncoding / RawStdEncoding with `Strict()`):
 * only the standard alphabet, no whitespace, and canonical (the unused low bits of the last symbol
 * must be zero). Node's own decoder is lenient, so every string is validated before it is used.
 */

const ALPHABET = "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/";
const RAW = /^[A-Za-z0-9+/]*$/;
const PADDED = /^[A-Za-z0-9+/]*={0,2}$/;

/** True when the symbol before the padding leaves no stray bits (for a group of `rem` symbols). */
function canonicalTail(s: string, end: number, rem: number): boolean {
  if (rem === 0) return true;
  const v = ALPHABET.indexOf(s[end - 1]!);
  if (rem === 2) return (v & 0x0f) === 0;
  return (v & 0x03) === 0; // rem === 3
}

/** Unpadded base64 (age header arguments, stanza bodies, the MAC). Returns null if not canonical. */
export function decodeBase64Raw(s: string): Uint8Array | null {
  const rem = s.length % 4;
  if (rem === 1 || !RAW.test(s)) return null;
  if (!canonicalTail(s, s.length, rem)) return null;
  return Buffer.from(s, "base64");
}

/** Padded base64 (the armor body). Returns null if malformed or not canonical. */
export function decodeBase64Padded(s: string): Uint8Array | null {
  if (s.length % 4 !== 0 || !PADDED.test(s)) return null;
  const pad = s.endsWith("==") ? 2 : s.endsWith("=") ? 1 : 0;
  const end = s.length - pad;
  if (pad && !canonicalTail(s, end, 4 - pad)) return null;
  return Buffer.from(s, "base64");
}

export function encodeBase64Raw(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64").replace(/=+$/, "");
}

export function encodeBase64(b: Uint8Array): string {
  return Buffer.from(b.buffer, b.byteOffset, b.byteLength).toString("base64");
}
