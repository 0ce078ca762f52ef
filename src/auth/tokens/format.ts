/**
 * What a token and its accessor look like, and the one way a token is hashed for storage.
 *
 * Format: OpenBao's service tokens (internal/vault/token_store.go `create`): `hvs.` followed by 24
 * characters drawn uniformly from base62 (`base62.Random(TokenLength)`, TokenLength = 24); the
 * accessor is another 24 base62 characters (`createAccessor`). Vault 1.10+ makes longer `hvs.`
 * tokens (a protobuf with an HMAC, for its server-side consistency); clients treat the token as an
 * opaque string, so OpenBao's shorter form works with all of them.
 *
 * Entropy: 24 × log2(62) ≈ 142.9 bits. Only `sha256:<hex of SHA-256(token)>` is stored. A slow KDF
 * (scrypt, argon2) protects low-entropy secrets such as passwords from a dictionary search of a
 * leaked hash; a uniformly random 143-bit token has no dictionary, and a preimage search of
 * SHA-256 over 2^142 candidates is out of reach, so a fast hash costs nothing in safety and lets
 * every request be checked in microseconds.
 *
 * Lookup is by the hash of the presented token (a map from hash to record): the only
 * secret-dependent work is hashing what the client sent, and which stored entry a timing of the
 * map lookup could reveal is keyed by a hash the attacker cannot invert, so no byte of a stored
 * token can be learnt by timing (no byte-by-byte comparison of the secret ever runs).
 */
import { createHash, randomBytes } from "node:crypto";

/** The service-token prefix (sdk/helper/consts ServiceTokenPrefix). */
export const SERVICE_TOKEN_PREFIX = "hvs.";

/** Random characters after the prefix, and in an accessor (token_store.go TokenLength). */
export const TOKEN_RANDOM_LENGTH = 24;

const BASE62 = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz";

/** The largest multiple of 62 below 256: bytes at or above it are dropped, so that every character is equally likely. */
const UNBIASED_LIMIT = 62 * 4;

/** `length` characters, each uniform over base62 (rejection sampling of random bytes, as go-secure-stdlib base62.Random does). */
export function randomBase62(length: number): string {
  let out = "";
  while (out.length < length) {
    for (const b of randomBytes(length * 2)) {
      if (b >= UNBIASED_LIMIT) continue;
      out += BASE62.charAt(b % 62);
      if (out.length === length) break;
    }
  }
  return out;
}

/** A new service token: `hvs.` + 24 base62 characters. */
export function generateToken(): string {
  return SERVICE_TOKEN_PREFIX + randomBase62(TOKEN_RANDOM_LENGTH);
}

/** A new accessor: 24 base62 characters (usable to name a token, not to authenticate). */
export function generateAccessor(): string {
  return randomBase62(TOKEN_RANDOM_LENGTH);
}

/** What is stored in place of the token: `sha256:` and the hex of SHA-256 of its UTF-8 bytes. */
export function hashToken(token: string): string {
  return `sha256:${createHash("sha256").update(token, "utf8").digest("hex")}`;
}

/** The stored hash's shape (for the file schemas). */
export const TOKEN_HASH_PATTERN = /^sha256:[0-9a-f]{64}$/;

/** An accessor's shape. */
export const ACCESSOR_PATTERN = /^[0-9A-Za-z]{24}$/;
