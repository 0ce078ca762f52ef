/**
 * Key sets that check a JWT's signature, as hashicorp/cap's jwt package builds them for the JWT
 * auth method (keyset.go) — the signature itself is checked by `jose`:
 *
 * - **static keys** (`jwt_validation_pubkeys`): PEM public keys (PKIX `PUBLIC KEY`, or the key of
 *   a `CERTIFICATE`; RSA, ECDSA or Ed25519, as Vault's certutil.ParsePublicKeyPEM takes them);
 *   each is tried in turn, else `no known key successfully validated the token signature`;
 * - **a JWKS URL** (`jwks_url`, go-oidc's RemoteKeySet, jwks.go): the keys last fetched are tried
 *   first (those whose `kid` is the token's, or all when the token has none); when none verifies,
 *   the set is fetched again — how a key rotation is picked up — with one fetch in flight at a
 *   time; else `failed to verify id token signature`;
 * - **OIDC discovery** (`oidc_discovery_url`): `<url>/.well-known/openid-configuration` is fetched
 *   once, its `issuer` must be the URL exactly, and its `jwks_uri` is then a JWKS URL as above.
 *
 * Only the ten asymmetric algorithms are ever accepted for a signature (HS256 with a public key as
 * its secret, or `none`, never verify). Error messages are the Go libraries' texts, except that the
 * body of a key server's error page is left out (go-oidc quotes it; a login's caller is anyone).
 */
import { createPublicKey, X509Certificate, type KeyObject } from "node:crypto";
import { compactVerify, type JWK } from "jose";
import { SUPPORTED_ALGORITHMS } from "./config-schema.js";
import type { HttpGetResult, HttpGetter } from "./http-get.js";

/** A token's claims: its payload, a JSON object. */
export type Claims = Record<string, unknown>;

/** cap/jwt KeySet: verifies a compact JWS and returns the claims in its payload; throws an Error with the library's message. */
export interface KeySet {
  verifySignature(token: string): Promise<Claims>;
}

const ALGORITHMS = [...SUPPORTED_ALGORITHMS];

/** The JWS's protected header, as go-jose's ParseSigned reads a compact serialization. */
export function protectedHeader(token: string): Record<string, unknown> {
  const parts = token.split(".");
  if (parts.length !== 3) throw new Error("go-jose/go-jose: compact JWS format must have three parts");
  let header: unknown;
  try {
    header = JSON.parse(Buffer.from(parts[0]!, "base64url").toString("utf8"));
  } catch {
    throw new Error("go-jose/go-jose: invalid protected header");
  }
  if (header === null || typeof header !== "object" || Array.isArray(header)) throw new Error("go-jose/go-jose: invalid protected header");
  return header as Record<string, unknown>;
}

/** json.Unmarshal of a payload into `map[string]interface{}`. */
function claimsOf(payload: Uint8Array): Claims {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(payload).toString("utf8"));
  } catch {
    throw new Error("invalid character looking for beginning of value");
  }
  if (value === null) return {};
  if (typeof value !== "object" || Array.isArray(value)) {
    const kind = Array.isArray(value) ? "array" : typeof value === "string" ? "string" : typeof value === "number" ? "number" : "bool";
    throw new Error(`json: cannot unmarshal ${kind} into Go value of type map[string]interface {}`);
  }
  return value as Claims;
}

/** The payload when `key` verifies `token` under one of the accepted algorithms, else null. */
async function tryKey(token: string, key: KeyObject | JWK): Promise<Uint8Array | null> {
  try {
    return (await compactVerify(token, key, { algorithms: ALGORITHMS })).payload;
  } catch {
    return null;
  }
}

/** The PEM blocks of `text`, with their type. */
function pemBlocks(text: string): { type: string; pem: string }[] {
  const out: { type: string; pem: string }[] = [];
  for (const m of text.matchAll(/-----BEGIN ([A-Z0-9 ]+)-----[\s\S]*?-----END \1-----/g)) out.push({ type: m[1]!, pem: m[0] });
  return out;
}

/**
 * certutil.ParsePublicKeyPEM: one PEM block, a PKIX public key or a certificate's key, RSA, ECDSA
 * or Ed25519. Throws with Vault's message (the caller prefixes `error parsing public key: `).
 */
export function parsePublicKeyPem(text: string): KeyObject {
  const blocks = pemBlocks(text);
  const block = blocks[0];
  if (block === undefined) throw new Error("data does not contain any valid public keys");
  if (text.slice(text.indexOf(block.pem) + block.pem.length).trim() !== "") throw new Error("unexpected trailing data after parsed PEM block");
  let key: KeyObject;
  try {
    key = block.type === "CERTIFICATE" ? new X509Certificate(block.pem).publicKey : block.type === "PUBLIC KEY" ? createPublicKey(block.pem) : fail();
  } catch {
    throw new Error("data does not contain any valid public keys");
  }
  if (!["rsa", "rsa-pss", "ec", "ed25519"].includes(key.asymmetricKeyType ?? "")) throw new Error("data does not contain any valid public keys");
  return key;
}

function fail(): never {
  throw new Error("not a public key");
}

/** Whether `pem` holds at least one certificate (Go's CertPool.AppendCertsFromPEM ok). */
export function caPemParses(pem: string): boolean {
  return pemBlocks(pem).some((b) => {
    if (b.type !== "CERTIFICATE") return false;
    try {
      new X509Certificate(b.pem);
      return true;
    } catch {
      return false;
    }
  });
}

/** cap/jwt NewStaticKeySet: local public keys. */
export function staticKeySet(keys: readonly KeyObject[]): KeySet {
  return {
    async verifySignature(token) {
      protectedHeader(token);
      for (const key of keys) {
        const payload = await tryKey(token, key);
        if (payload) return claimsOf(payload);
      }
      throw new Error("no known key successfully validated the token signature");
    },
  };
}

/** go-oidc's unmarshalResp: the error for a body that is not JSON, by its Content-Type. */
function unmarshalError(res: HttpGetResult): string {
  const mediaType = res.contentType.split(";")[0]!.trim().toLowerCase();
  return mediaType === "application/json"
    ? "got Content-Type = application/json, but could not unmarshal as JSON: invalid character looking for beginning of value"
    : `expected Content-Type = application/json, got ${JSON.stringify(res.contentType)}: invalid character looking for beginning of value`;
}

/** go-oidc RemoteKeySet: a JWKS URL, its keys cached and fetched again when none verifies. */
export class RemoteKeySet implements KeySet {
  #cached: JWK[] = [];
  #inflight: Promise<JWK[]> | null = null;

  constructor(
    readonly url: string,
    private readonly caPem: string,
    private readonly get: HttpGetter,
  ) {}

  async verifySignature(token: string): Promise<Claims> {
    let kid = "";
    try {
      const header = protectedHeader(token);
      kid = typeof header.kid === "string" ? header.kid : "";
    } catch (e) {
      throw new Error(`oidc: malformed jwt: ${(e as Error).message}`);
    }
    const fromCache = await this.#verifyWith(this.#cached, token, kid);
    if (fromCache) return claimsOf(fromCache);
    let keys: JWK[];
    try {
      keys = await this.#keysFromRemote();
    } catch (e) {
      throw new Error(`fetching keys ${(e as Error).message}`);
    }
    const fromRemote = await this.#verifyWith(keys, token, kid);
    if (fromRemote) return claimsOf(fromRemote);
    throw new Error("failed to verify id token signature");
  }

  /** The keys fetched now (the JWT auth method's config write checks that the URL answers with keys). */
  async fetchKeys(): Promise<JWK[]> {
    return this.#keysFromRemote();
  }

  async #verifyWith(keys: readonly JWK[], token: string, kid: string): Promise<Uint8Array | null> {
    for (const key of keys) {
      if (kid !== "" && key.kid !== kid) continue;
      const payload = await tryKey(token, key);
      if (payload) return payload;
    }
    return null;
  }

  #keysFromRemote(): Promise<JWK[]> {
    this.#inflight ??= this.#updateKeys().finally(() => (this.#inflight = null));
    return this.#inflight;
  }

  async #updateKeys(): Promise<JWK[]> {
    let res: HttpGetResult;
    try {
      res = await this.get(this.url, { caPem: this.caPem });
    } catch (e) {
      throw new Error(`oidc: get keys failed ${(e as Error).message}`);
    }
    // go-oidc quotes the body here; a login is unauthenticated, so what the key server answered stays out of its error.
    if (res.status !== 200) throw new Error(`oidc: get keys failed: ${res.statusLine}`);
    let parsed: unknown;
    try {
      parsed = JSON.parse(res.body);
    } catch {
      throw new Error(`oidc: failed to decode keys: ${unmarshalError(res)}`);
    }
    const keys = parsed !== null && typeof parsed === "object" && Array.isArray((parsed as { keys?: unknown }).keys) ? ((parsed as { keys: unknown[] }).keys) : [];
    const usable = keys.filter((k): k is JWK => k !== null && typeof k === "object" && typeof (k as JWK).kty === "string");
    this.#cached = usable;
    return usable;
  }
}

/**
 * cap/jwt NewOIDCDiscoveryKeySet: fetches the discovery document of `issuer` and returns the key
 * set of its `jwks_uri`. Throws with cap's messages (the caller prefixes `keyset configuration error: `).
 */
export async function oidcDiscoveryKeySet(issuer: string, caPem: string, get: HttpGetter): Promise<RemoteKeySet> {
  if (issuer === "") throw new Error("issuer must not be empty");
  if (caPem !== "" && !caPemParses(caPem)) throw new Error("could not parse CA PEM value successfully");
  const wellKnown = `${issuer.replace(/\/$/, "")}/.well-known/openid-configuration`;
  const res = await get(wellKnown, { caPem });
  if (res.status !== 200) throw new Error(res.statusLine);
  let doc: unknown;
  try {
    doc = JSON.parse(res.body);
  } catch {
    throw new Error(`failed to decode OIDC discovery document: ${unmarshalError(res)}`);
  }
  const fields = doc !== null && typeof doc === "object" ? (doc as { issuer?: unknown; jwks_uri?: unknown }) : {};
  const got = typeof fields.issuer === "string" ? fields.issuer : "";
  if (got !== issuer) throw new Error(`issuer did not match the returned issuer, expected ${JSON.stringify(issuer)} got ${JSON.stringify(got)}`);
  return new RemoteKeySet(typeof fields.jwks_uri === "string" ? fields.jwks_uri : "", caPem, get);
}
