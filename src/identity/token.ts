/**
 * Minting an identity token (Vault's `identity/oidc/token/:name`, pathOIDCGenerateToken): a JWT
 * signed by the role's key's current signing key, with `kid` in its header and Vault's claims —
 * `iss` (the issuer + `/v1/identity/oidc`), `sub` (here the role's subject template), `aud` (the
 * role's client_id), `iat`, `exp`, `namespace` (`root`) — plus the role's `claims`. As Vault:
 * a role whose client id the key does not allow is refused, and a TTL longer than the key's
 * verification_ttl is cut to it with Vault's warning (so a token never outlives the JWKS entry
 * that verifies it after a rotation). A TTL asked for (`secrets jwt token --ttl`) is capped at the
 * role's max_ttl, with Vault's lease warning text.
 *
 * The payload's members are sorted, as Go's json.Marshal writes a map. Imported signing keys are
 * kept per `kid` by the {@link TokenSigner} (one per use, not module state).
 */
import { CompactSign, importJWK, type CryptoKey, type KeyObject } from "jose";
import { SecretsError } from "../errors.js";
import { humanDuration } from "../util/go-duration.js";
import type { OidcKey, OidcRole } from "./files.js";
import { TEMPLATE_VARIABLE, type OidcPrivateJwk } from "./schema.js";

/** Vault's namespace id of the root namespace, as its tokens carry it. */
export const ROOT_NAMESPACE = "root";

/** Who asks: the values a template may name. */
export interface TokenSubject {
  /** The token's display name (`token-…`, `root`), or the CLI's `--display-name`. */
  displayName: string;
  /** The token's accessor; "" without a server. */
  accessor: string;
  /** The token's metadata (`meta`). */
  meta: Readonly<Record<string, string>>;
}

export interface MintRequest {
  role: OidcRole;
  key: OidcKey;
  /** The effective issuer (`iss`). */
  issuer: string;
  subject: TokenSubject;
  /** Unix seconds. */
  now: number;
  /** Seconds asked for; default: the role's ttl. */
  ttl?: number;
}

export interface MintedToken {
  token: string;
  client_id: string;
  /** The role's ttl, as Vault answers it (even when cut to the verification_ttl). */
  ttl: number;
  /** Seconds the token lives: `exp - iat`. */
  lifetime: number;
  kid: string;
  warnings: string[];
}

/** Fills `template`'s variables. Kind `usage` for a `{{meta.x}}` the token has no value for. */
export function fillTemplate(template: string, role: OidcRole, subject: TokenSubject): string {
  return template.replace(TEMPLATE_VARIABLE, (_all, name: string) => {
    if (name === "role") return role.name;
    if (name === "display_name") return subject.displayName;
    if (name === "accessor") return subject.accessor;
    if (name === "client_id") return role.clientId;
    const metaKey = name.slice("meta.".length);
    const v = subject.meta[metaKey];
    if (v === undefined) throw new SecretsError("usage", `role ${JSON.stringify(role.name)}: the token has no metadata ${JSON.stringify(metaKey)} for its template`);
    return v;
  });
}

function fillClaims(v: unknown, role: OidcRole, subject: TokenSubject): unknown {
  if (typeof v === "string") return fillTemplate(v, role, subject);
  if (Array.isArray(v)) return v.map((x) => fillClaims(x, role, subject));
  if (v !== null && typeof v === "object") return Object.fromEntries(Object.entries(v).map(([k, x]) => [k, fillClaims(x, role, subject)]));
  return v;
}

/** Whether `key` lets `role` sign (Vault: `*` or the role's client id among allowed_client_ids). */
export function keyAllows(key: OidcKey, role: OidcRole): boolean {
  return key.allowedClientIds.includes("*") || key.allowedClientIds.includes(role.clientId);
}

/** Signs tokens, keeping each key id's imported key: a per-use cache (the server's, the CLI run's). */
export class TokenSigner {
  readonly #imported = new Map<string, { jwk: OidcPrivateJwk; key: Promise<CryptoKey | KeyObject | Uint8Array> }>();

  #importKey(jwk: OidcPrivateJwk): Promise<CryptoKey | KeyObject | Uint8Array> {
    const hit = this.#imported.get(jwk.kid);
    // The same kid with other material (a file edited by hand) is imported again.
    if (hit && hit.jwk.d === jwk.d && hit.jwk.x === jwk.x) return hit.key;
    const key = importJWK({ kty: jwk.kty, crv: jwk.crv, x: jwk.x, ...(jwk.y !== undefined ? { y: jwk.y } : {}), d: jwk.d }, jwk.alg).catch(() => {
      this.#imported.delete(jwk.kid);
      throw new SecretsError("config", "a signing key of the key file could not be imported (not a valid key of its algorithm)");
    });
    this.#imported.set(jwk.kid, { jwk, key });
    return key;
  }

  /** A token for `req`. Kind `usage` (Vault's 400s) when the key does not allow the role. */
  async mint(req: MintRequest): Promise<MintedToken> {
    const { role, key, subject } = req;
    if (!keyAllows(key, role)) throw new SecretsError("usage", `the key ${JSON.stringify(role.key)} does not list the client ID of the role ${JSON.stringify(role.name)} as an allowed client ID`);
    const warnings: string[] = [];
    let lifetime = req.ttl ?? role.ttl;
    if (lifetime > role.maxTtl) {
      warnings.push(`TTL of ${JSON.stringify(humanDuration(lifetime))} exceeded the effective max_ttl of ${JSON.stringify(humanDuration(role.maxTtl))}; TTL value is capped accordingly`);
      lifetime = role.maxTtl;
    }
    if (lifetime > key.verificationTtl) {
      lifetime = key.verificationTtl;
      warnings.push(`a role's token ttl cannot be longer than the verification_ttl of the key it references, setting token ttl to ${lifetime}`);
    }
    const claims: Record<string, unknown> = {
      ...(fillClaims(role.claims, role, subject) as Record<string, unknown>),
      aud: role.clientId,
      exp: req.now + lifetime,
      iat: req.now,
      iss: req.issuer,
      namespace: ROOT_NAMESPACE,
      sub: fillTemplate(role.subject, role, subject),
    };
    const sorted = Object.fromEntries(Object.keys(claims).sort().map((k) => [k, claims[k]]));
    const signing = key.content.signing_key;
    const token = await new CompactSign(new TextEncoder().encode(JSON.stringify(sorted)))
      .setProtectedHeader({ alg: signing.alg, kid: signing.kid })
      .sign(await this.#importKey(signing));
    return { token, client_id: role.clientId, ttl: req.ttl === undefined ? role.ttl : lifetime, lifetime, kid: signing.kid, warnings };
  }
}
