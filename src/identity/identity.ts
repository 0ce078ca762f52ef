/**
 * The identity OIDC tokens of one repository, as Vault's identity store answers them: a token for
 * a role, the public key set (JWKS) of every key file, and the discovery document. Library code
 * with no HTTP: the server's `identity/` mount (src/server/mounts/identity.ts) and the CLI
 * (`secrets jwt`) are thin over it. One per use (the server holds one; a CLI run makes one), each
 * with its own {@link TokenSigner}.
 *
 * The issuer is `config.yaml`'s, else the caller's address (`apiAddr`: Vault's `api_addr`), with
 * `/v1/identity/oidc` appended as Vault does (getOIDCConfig: effectiveIssuer).
 */
import { SecretsError } from "../errors.js";
import { CONFIG_FILE, type OidcConfigSource } from "./files.js";
import { publicKeys } from "./keys.js";
import { OIDC_ALGORITHMS, type OidcPublicJwk } from "./schema.js";
import { TokenSigner, type MintedToken, type TokenSubject } from "./token.js";

/** Vault's issuerPath. */
export const ISSUER_PATH = "/v1/identity/oidc";

/** The discovery document's fields, in Vault's order (identity_store_oidc.go `discovery`). */
export interface OidcDiscovery {
  issuer: string;
  jwks_uri: string;
  response_types_supported: string[];
  subject_types_supported: string[];
  id_token_signing_alg_values_supported: string[];
}

export interface OidcIdentityOptions {
  config: OidcConfigSource;
  /** Vault's `api_addr` (`http(s)://host:port`), when config.yaml names no issuer; undefined: none known. */
  apiAddr?: () => string | undefined;
}

export class OidcIdentity {
  readonly #config: OidcConfigSource;
  readonly #apiAddr: () => string | undefined;
  readonly #signer = new TokenSigner();

  constructor(options: OidcIdentityOptions) {
    this.#config = options.config;
    this.#apiAddr = options.apiAddr ?? (() => undefined);
  }

  /** The tokens' `iss`. Kind `config` when neither config.yaml nor the caller names an address. */
  async issuer(): Promise<string> {
    const base = (await this.#config.issuer()) ?? this.#apiAddr()?.replace(/\/+$/, "");
    if (!base) throw new SecretsError("config", `no issuer: set issuer (https://host:port) in .secrets/engines/identity/oidc/${CONFIG_FILE}, or VAULT_API_ADDR`);
    return base + ISSUER_PATH;
  }

  /**
   * A token for `roleName` at `now` (Unix seconds). Vault's 400s as kind `usage`: `role "x" not
   * found`, `key "x" not found`, the key not allowing the role's client id.
   */
  async token(roleName: string, subject: TokenSubject, now: number, ttl?: number): Promise<MintedToken> {
    const role = await this.#config.role(roleName);
    if (!role) throw new SecretsError("usage", `role ${JSON.stringify(roleName)} not found`);
    const key = await this.#config.key(role.key);
    if (!key) throw new SecretsError("usage", `key ${JSON.stringify(role.key)} not found`);
    return this.#signer.mint({ role, key, issuer: await this.issuer(), subject, now, ...(ttl !== undefined ? { ttl } : {}) });
  }

  /** The JWKS at `now`: every key file's signing, next and unexpired rotated public keys. */
  async jwks(now: number): Promise<{ keys: OidcPublicJwk[] }> {
    const keys: OidcPublicJwk[] = [];
    for (const name of await this.#config.keyNames()) {
      const key = await this.#config.key(name);
      if (key) keys.push(...publicKeys(key.content, now));
    }
    return { keys };
  }

  /** `.well-known/openid-configuration`, as Vault's pathOIDCDiscovery (the algorithms: those offered here). */
  async discovery(): Promise<OidcDiscovery> {
    const issuer = await this.issuer();
    return {
      issuer,
      jwks_uri: `${issuer}/.well-known/keys`,
      response_types_supported: ["id_token"],
      subject_types_supported: ["public"],
      id_token_signing_alg_values_supported: [...OIDC_ALGORITHMS],
    };
  }
}
