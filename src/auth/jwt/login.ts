/**
 * `auth/<mount>/login` (vault-plugin-auth-jwt path_login.go pathLogin), up to the token Vault then
 * issues for it (vault/request_handling.go LoginCreateToken): the role (the request's, else the
 * configuration's `default_role`), the JWT validated against the configured keys and the role's
 * bounds, the user claim, the claim mappings, the groups claim, the bound claims — in Vault's order
 * and with its messages, each a kind `usage` error (Vault's 400).
 *
 * What the login yields ({@link JwtLogin}) becomes a token with {@link loginToken}: display name
 * `<mount>-<user claim>` (the mount path with `/` as `-`), metadata `role` plus the claim mappings,
 * the role's policies (`default` added unless `token_no_default_policy`; never `root`), a TTL from
 * `token_ttl` (else the system default, 768h) capped at `token_max_ttl`/`token_explicit_max_ttl`
 * (else the system maximum), with Vault's warning when it is capped.
 */
import { SecretsError } from "../../errors.js";
import { ROOT_POLICY_NAME, sanitizePolicies } from "../tokens/policies.js";
import { SYSTEM_DEFAULT_TTL, SYSTEM_MAX_TTL } from "../tokens/ttl.js";
import { humanDuration } from "../../util/go-duration.js";
import { checkGroupsClaim, extractMetadata, getClaim, userClaimValue, validateBoundClaims } from "./claims.js";
import { SUPPORTED_ALGORITHMS } from "./config-schema.js";
import type { JwtConfig } from "./config.js";
import { lowerCaseStringField, rawFields, stringField } from "./field-data.js";
import type { HttpGetter } from "./http-get.js";
import { oidcDiscoveryKeySet, parsePublicKeyPem, RemoteKeySet, staticKeySet, type KeySet } from "./keys.js";
import type { JwtRole } from "./role.js";
import { TokenInvalid, validateToken } from "./validate.js";

/** A successful login: who, under which role, and the token parameters the role gives. */
export interface JwtLogin {
  readonly role: string;
  /** The user claim's value (Vault's entity alias name). */
  readonly alias: string;
  /** `role` and the claim mappings. */
  readonly metadata: Readonly<Record<string, string>>;
  readonly tokenPolicies: readonly string[];
  readonly noDefaultPolicy: boolean;
  readonly ttl: number;
  readonly maxTtl: number;
  readonly explicitMaxTtl: number;
}

export interface LoginContext {
  /** The mount's configuration, or null when it has none (`could not load configuration`). */
  readonly config: JwtConfig | null;
  role(name: string): Promise<JwtRole | null>;
  readonly keys: JwtKeySets;
  /** The current time, milliseconds. */
  readonly now: number;
}

const usage = (message: string): SecretsError => new SecretsError("usage", message);

/**
 * The key sets of a configuration, built once per configuration (Vault's cached jwtValidator, reset
 * when the configuration changes): a JWKS's keys stay cached between logins, and the discovery
 * document is fetched once. One per mount; nothing is shared between mounts.
 */
export class JwtKeySets {
  #seen: { key: string; sets: Promise<KeySet[]> } | undefined;

  constructor(private readonly get: HttpGetter) {}

  /** The key sets for `config`; rejects with cap's message (the caller prefixes `error configuring token validator: `). */
  forConfig(config: JwtConfig): Promise<KeySet[]> {
    const key = JSON.stringify([config.jwt_validation_pubkeys, config.jwks_url, config.jwks_ca_pem, config.oidc_discovery_url, config.oidc_discovery_ca_pem]);
    if (this.#seen?.key === key) return this.#seen.sets;
    const sets = this.#build(config);
    this.#seen = { key, sets };
    // A failed build (discovery unreachable) is not kept: the next login tries again, as Vault does.
    sets.catch(() => {
      if (this.#seen?.sets === sets) this.#seen = undefined;
    });
    return sets;
  }

  async #build(config: JwtConfig): Promise<KeySet[]> {
    if (config.jwt_validation_pubkeys.length > 0) return [staticKeySet(config.jwt_validation_pubkeys.map((pem) => parsePublicKeyPem(pem)))];
    if (config.jwks_url !== "") return [new RemoteKeySet(config.jwks_url, config.jwks_ca_pem, this.get)];
    if (config.oidc_discovery_url !== "") {
      try {
        return [await oidcDiscoveryKeySet(config.oidc_discovery_url, config.oidc_discovery_ca_pem, this.get)];
      } catch (e) {
        throw new Error(`keyset configuration error: ${(e as Error).message}`);
      }
    }
    throw new Error("unsupported config type");
  }
}

/** The login a request body (`{role, jwt}`) makes; kind `usage` with Vault's message when it is refused. */
export async function jwtLogin(body: unknown, ctx: LoginContext): Promise<JwtLogin> {
  const raw = rawFields(body);
  const config = ctx.config;
  if (config === null) throw usage("could not load configuration");
  const roleName = lowerCaseStringField(raw, "role") || config.default_role;
  if (roleName === "") throw usage("missing role");
  const role = await ctx.role(roleName);
  if (role === null) throw usage(`role ${JSON.stringify(roleName)} could not be found`);
  if (role.role_type === "oidc") throw usage("role with oidc role_type is not allowed");
  const token = stringField(raw, "jwt");
  if (token.length === 0) throw usage("missing token");

  let keySets: KeySet[];
  try {
    keySets = await ctx.keys.forConfig(config);
  } catch (e) {
    throw usage(`error configuring token validator: ${(e as Error).message}`);
  }
  let claims;
  try {
    claims = await validateToken(token, keySets, {
      issuer: config.bound_issuer,
      subject: role.bound_subject,
      audiences: role.bound_audiences ?? [],
      algorithms: config.jwt_supported_algs.length ? config.jwt_supported_algs : SUPPORTED_ALGORITHMS,
      notBeforeLeeway: role.not_before_leeway,
      expirationLeeway: role.expiration_leeway,
      clockSkewLeeway: role.clock_skew_leeway,
      now: ctx.now,
    });
  } catch (e) {
    if (e instanceof TokenInvalid) throw usage(`error validating token: ${e.message}`);
    throw e;
  }

  if ((role.bound_audiences ?? []).length === 0) {
    const aud = getClaim(claims, "aud");
    if ((Array.isArray(aud) && aud.length > 0) || (typeof aud === "string" && aud !== "")) throw usage("audience claim found in JWT but no audiences bound to the role");
  }

  const alias = userClaimValue(claims, role.user_claim, role.user_claim_json_pointer);
  const metadata = { ...extractMetadata(claims, role.claim_mappings ?? {}), role: roleName };
  checkGroupsClaim(claims, role.groups_claim);
  try {
    validateBoundClaims(claims, role.bound_claims_type, role.bound_claims ?? {});
  } catch (e) {
    throw usage(`error validating claims: ${(e as Error).message}`);
  }

  return {
    role: roleName,
    alias,
    metadata,
    tokenPolicies: role.token_policies,
    noDefaultPolicy: role.token_no_default_policy,
    ttl: role.token_ttl,
    maxTtl: role.token_max_ttl,
    explicitMaxTtl: role.token_explicit_max_ttl,
  };
}

/** What the token store is asked for after a login. */
export interface LoginTokenRequest {
  readonly displayName: string;
  /** Sanitized, `default` added unless the role says not. */
  readonly policies: string[];
  readonly noDefaultPolicy: boolean;
  readonly ttl: number;
  /**
   * The cap on renewals: the smaller of `token_explicit_max_ttl` and `token_max_ttl` (0: the
   * system's). The token store keeps one cap per token, so a role's `token_max_ttl` is kept as the
   * token's `explicit_max_ttl`, where Vault would ask the role again at each renewal.
   */
  readonly explicitMaxTtl: number;
  readonly metadata: Readonly<Record<string, string>>;
  readonly warnings: string[];
}

/**
 * The token a login gets (LoginCreateToken with framework.CalculateTTL); `mountPath` is the mount
 * below `auth/` (`jwt/`). Kind `usage`: `auth methods cannot create root tokens`, `cannot assign
 * policy "response-wrapping"`.
 */
export function loginToken(login: JwtLogin, mountPath: string): LoginTokenRequest {
  const displayName = `${mountPath.replace(/\//g, "-")}${login.alias}`.replace(/-$/, "");
  const policies = sanitizePolicies(login.tokenPolicies, !login.noDefaultPolicy);
  if (policies.includes(ROOT_POLICY_NAME)) throw usage("auth methods cannot create root tokens");
  if (policies.includes("response-wrapping")) throw usage('cannot assign policy "response-wrapping"');
  let maxTtl = SYSTEM_MAX_TTL;
  if (login.maxTtl > 0 && login.maxTtl < maxTtl) maxTtl = login.maxTtl;
  if (login.explicitMaxTtl > 0 && login.explicitMaxTtl < maxTtl) maxTtl = login.explicitMaxTtl;
  let ttl = login.ttl > 0 ? login.ttl : SYSTEM_DEFAULT_TTL;
  const warnings: string[] = [];
  if (ttl > maxTtl) {
    warnings.push(`TTL of ${JSON.stringify(humanDuration(ttl))} exceeded the effective max_ttl of ${JSON.stringify(humanDuration(maxTtl))}; TTL value is capped accordingly`);
    ttl = maxTtl;
  }
  const caps = [login.explicitMaxTtl, login.maxTtl].filter((t) => t > 0);
  return {
    displayName,
    policies,
    noDefaultPolicy: login.noDefaultPolicy,
    ttl,
    explicitMaxTtl: caps.length ? Math.min(...caps) : 0,
    metadata: login.metadata,
    warnings,
  };
}
