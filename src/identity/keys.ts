/**
 * The signing keys of an identity OIDC key file, as data: making a key pair, rotating, and the
 * public key set. As Vault's namedKey (vault/identity_store_oidc.go): a key has a current signing
 * key and a next one, both published; rotating promotes the next key, makes a new next one, and
 * keeps the old key's public half in the JWKS until now + `verification_ttl` (or the rotation's
 * override), so that every token it signed (whose `exp` is at most that far away: token.ts caps
 * TTLs at `verification_ttl`) still verifies. The old private half is dropped at once.
 *
 * Key ids are UUIDs, as Vault's. Nothing here reads or writes a file (files.ts does).
 */
import { randomUUID } from "node:crypto";
import { exportJWK, generateKeyPair } from "jose";
import { SecretsError } from "../errors.js";
import type { OidcAlgorithm, OidcKeyFile, OidcPrivateJwk, OidcPublicJwk } from "./schema.js";

/** Vault's default `verification_ttl`: 24h. */
export const DEFAULT_VERIFICATION_TTL = 24 * 3600;

/** A new key pair for `algorithm`, as a private JWK with a fresh `kid`. */
export async function generateSigningKey(algorithm: OidcAlgorithm): Promise<OidcPrivateJwk> {
  const { privateKey } = await generateKeyPair(algorithm === "EdDSA" ? "Ed25519" : "ES256", { extractable: true });
  const jwk = await exportJWK(privateKey);
  if (typeof jwk.x !== "string" || typeof jwk.d !== "string") throw new SecretsError("generic", "the new key pair could not be exported");
  const kty = algorithm === "EdDSA" ? "OKP" : "EC";
  const crv = algorithm === "EdDSA" ? "Ed25519" : "P-256";
  return { kid: randomUUID(), kty, crv, alg: algorithm, use: "sig", x: jwk.x, ...(typeof jwk.y === "string" ? { y: jwk.y } : {}), d: jwk.d };
}

/** The public half of a JWK: every member but `d`, in go-jose's order (use, kty, kid, crv, alg, x, y). */
export function publicHalf(key: OidcPublicJwk | OidcPrivateJwk): OidcPublicJwk {
  return { use: "sig", kty: key.kty, kid: key.kid, crv: key.crv, alg: key.alg, x: key.x, ...(key.y !== undefined ? { y: key.y } : {}) };
}

export interface NewKeyOptions {
  algorithm: OidcAlgorithm;
  /** Seconds. */
  verificationTtl: number;
  allowedClientIds: readonly string[];
}

/** A new key file's content: a signing key and a next one. */
export async function newKeyFile(options: NewKeyOptions): Promise<OidcKeyFile> {
  const [signing, next] = await Promise.all([generateSigningKey(options.algorithm), generateSigningKey(options.algorithm)]);
  return {
    algorithm: options.algorithm,
    verification_ttl: options.verificationTtl,
    allowed_client_ids: [...options.allowedClientIds],
    signing_key: signing,
    next_signing_key: next,
    previous_keys: [],
  };
}

/** Seconds; the file's `verification_ttl` in seconds is given by the caller (files.ts parsed it). */
export interface RotateOptions {
  /** Unix seconds. */
  now: number;
  /** The key's verification_ttl, seconds. */
  verificationTtl: number;
  /** Vault's rotate parameter: overrides the key's for this rotation (seconds, ≥ 0). */
  verificationTtlOverride?: number;
}

/** RFC 3339 in UTC, seconds precision, as the file keeps it. */
function rfc3339(unixSeconds: number): string {
  return new Date(unixSeconds * 1000).toISOString().replace(/\.\d{3}Z$/, "Z");
}

const expiresAt = (e: { expire_at: string }): number => Math.floor(Date.parse(e.expire_at) / 1000);

/**
 * The file after a rotation at `now`: the next key signs, a new next key is made, the old signing
 * key's public half stays until now + the verification TTL, and rotated keys already expired go.
 */
export async function rotateKeyFile(file: OidcKeyFile, options: RotateOptions): Promise<OidcKeyFile> {
  const algorithm = file.algorithm ?? "EdDSA";
  const ttl = options.verificationTtlOverride ?? options.verificationTtl;
  const kept = (file.previous_keys ?? []).filter((p) => expiresAt(p) > options.now);
  const promoted = file.next_signing_key ?? (await generateSigningKey(algorithm));
  return {
    ...file,
    signing_key: promoted,
    next_signing_key: await generateSigningKey(algorithm),
    previous_keys: [...kept, { public_key: publicHalf(file.signing_key), expire_at: rfc3339(options.now + ttl) }],
  };
}

/** The public keys a verifier may meet at `now`: the signing key, the next one, and rotated keys not yet expired. */
export function publicKeys(file: OidcKeyFile, now: number): OidcPublicJwk[] {
  const out = [publicHalf(file.signing_key)];
  if (file.next_signing_key) out.push(publicHalf(file.next_signing_key));
  for (const p of file.previous_keys ?? []) if (expiresAt(p) > now) out.push(publicHalf(p.public_key));
  return out;
}
