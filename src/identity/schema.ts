/**
 * The zod schemas of the identity OIDC files, with Vault's field names where Vault has the field
 * (vault/identity_store_oidc.go: `identity/oidc/config`, `identity/oidc/key/:name`,
 * `identity/oidc/role/:name`), apart from the code that reads them so that
 * `scripts/gen-schemas.mjs` can bundle them alone (schemas/identity-oidc-*.schema.json). They
 * validate only; files.ts fills defaults and turns durations into seconds.
 *
 * - **config**, `.secrets/engines/identity/oidc/config.yaml` (plaintext): the `issuer`.
 * - a **key**, `.secrets/engines/identity/oidc/key/<name>.yaml`, sops-encrypted: the signing key
 *   pair (a private JWK), the next one (published before use, as Vault ≥ 1.9 does), and the public
 *   halves of rotated keys until their `expire_at`.
 * - a **role**, `.secrets/engines/identity/oidc/role/<name>.yaml` (plaintext, reviewed like code).
 *
 * Unknown fields are refused, so are Vault's fields not implemented here (`rotation_period`: keys
 * rotate by `secrets jwt key rotate` or `identity/oidc/key/:name/rotate`, never on a timer;
 * `template`: claims are the `claims` map instead), rather than accepted and ignored.
 */
import { z } from "zod";
import { DurationSeconds, EngineObjectName } from "../engines/postgres/schema.js";

/** The JOSE algorithms of the keys made here (Vault's names: `EdDSA` is Ed25519). */
export const OIDC_ALGORITHMS = ["EdDSA", "ES256"] as const;
export type OidcAlgorithm = (typeof OIDC_ALGORITHMS)[number];

/** The claims Vault sets itself and a template may not (identity_store_oidc.go requiredClaims). */
export const RESERVED_CLAIMS = ["iat", "aud", "exp", "iss", "sub", "namespace"] as const;

/** Vault's message for an issuer that is more than a scheme, host and port (pathOIDCUpdateConfig). */
export const INVALID_ISSUER = "invalid issuer, which must include only a scheme, host, and optional port (e.g. https://example.com:8200)";

/** Whether `issuer` is `http(s)://host[:port]` and nothing more, as Vault checks it. */
export function validIssuer(issuer: string): boolean {
  // Go's url.Parse then a comparison with URL{Scheme, Host}: no user, path (not even "/"), query or fragment.
  if (!/^https?:\/\/[^/?#@\s]+$/.test(issuer)) return false;
  try {
    return new URL(issuer).host !== "";
  } catch {
    return false;
  }
}

export const OidcConfigFile = z.strictObject({
  /** `https://host[:port]`; tokens' `iss` is it + `/v1/identity/oidc`. Default: the server's address (`VAULT_API_ADDR`, else where it listens). */
  issuer: z.string().refine(validIssuer, INVALID_ISSUER).optional(),
});
export type OidcConfigFile = z.infer<typeof OidcConfigFile>;

const KeyId = z.string().min(1).max(200);

/** A public JWK as published in the JWKS: Ed25519 (OKP) or P-256 (EC), no private member. */
export const OidcPublicJwk = z.strictObject({
  kid: KeyId,
  kty: z.enum(["OKP", "EC"]),
  crv: z.enum(["Ed25519", "P-256"]),
  alg: z.enum(OIDC_ALGORITHMS),
  use: z.literal("sig").optional(),
  x: z.string().min(1),
  y: z.string().min(1).optional(),
});
export type OidcPublicJwk = z.infer<typeof OidcPublicJwk>;

/** A private JWK: the public members and `d`. */
export const OidcPrivateJwk = OidcPublicJwk.extend({ d: z.string().min(1) });
export type OidcPrivateJwk = z.infer<typeof OidcPrivateJwk>;

export const OidcKeyFile = z
  .strictObject({
    /** Vault's `algorithm`: `EdDSA` (default here; Vault's RS256 is not offered) or `ES256`. */
    algorithm: z.enum(OIDC_ALGORITHMS).optional(),
    /** Vault's: how long a rotated key's public half stays in the JWKS (default 24h); also caps every role's TTL. */
    verification_ttl: DurationSeconds.optional(),
    /** Vault's: the roles' client ids that may sign with it (list or comma-separated; `*` all); none by default, as in Vault. */
    allowed_client_ids: z.union([z.array(z.string()), z.string()]).optional(),
    /** The key tokens are signed with now. */
    signing_key: OidcPrivateJwk,
    /** The key the next rotation promotes; already in the JWKS, so verifiers that cache it know it first. */
    next_signing_key: OidcPrivateJwk.optional(),
    /** Rotated keys' public halves, in the JWKS until `expire_at` (RFC 3339). Their private halves are gone. */
    previous_keys: z.array(z.strictObject({ public_key: OidcPublicJwk, expire_at: z.iso.datetime({ offset: true }) })).optional(),
  })
  .refine((f) => [f.signing_key, f.next_signing_key].every((k) => k === undefined || k.alg === (f.algorithm ?? "EdDSA")), "signing_key and next_signing_key must be of the file's algorithm");
export type OidcKeyFile = z.infer<typeof OidcKeyFile>;

/** A claim template: a role's `subject` and the strings of its `claims`. */
export const TEMPLATE_VARIABLE = /\{\{\s*([A-Za-z_][\w.-]*)\s*\}\}/g;
/** The variables a template may name (templates.ts fills them). */
export const TEMPLATE_VARIABLES = ["role", "display_name", "accessor", "client_id"] as const;

function templateOk(s: string): boolean {
  for (const m of s.matchAll(TEMPLATE_VARIABLE)) {
    const name = m[1]!;
    if (!(TEMPLATE_VARIABLES as readonly string[]).includes(name) && !/^meta\.[\w-]+$/.test(name)) return false;
  }
  return true;
}
const TEMPLATE_MESSAGE = `a template names only {{role}}, {{display_name}}, {{accessor}}, {{client_id}} and {{meta.<key>}}`;

function claimsTemplatesOk(v: unknown): boolean {
  if (typeof v === "string") return templateOk(v);
  if (Array.isArray(v)) return v.every(claimsTemplatesOk);
  if (v !== null && typeof v === "object") return Object.values(v).every(claimsTemplatesOk);
  return true;
}

export const OidcRoleFile = z
  .strictObject({
    /** Vault's: the key (`key/<key>.yaml`) its tokens are signed with. */
    key: EngineObjectName,
    /** Vault's: the tokens' lifetime (default 24h), capped at the key's verification_ttl with Vault's warning. */
    ttl: DurationSeconds.optional(),
    /** Ours: the most a caller may ask for (`secrets jwt token --ttl`); default: `ttl`. */
    max_ttl: DurationSeconds.optional(),
    /** Vault's: the tokens' audience (`aud`). Default here: the role's name (Vault generates a random one). */
    client_id: z.string().min(1).optional(),
    /** Ours: the `sub` claim's template (Vault's is the entity id; this server has no entities). Default `{{display_name}}`. */
    subject: z.string().min(1).refine(templateOk, TEMPLATE_MESSAGE).optional(),
    /** Ours, for Vault's `template`: more claims; strings are templates. Vault's own claims cannot be set. */
    claims: z
      .record(z.string(), z.unknown())
      .refine((c) => !Object.keys(c).some((k) => (RESERVED_CLAIMS as readonly string[]).includes(k)), `top level key not allowed. Restricted keys: ${RESERVED_CLAIMS.join(", ")}`)
      .refine(claimsTemplatesOk, TEMPLATE_MESSAGE)
      .optional(),
  });
export type OidcRoleFile = z.infer<typeof OidcRoleFile>;

const render = (schema: z.ZodType): string => JSON.stringify(z.toJSONSchema(schema, { io: "input", target: "draft-2020-12", unrepresentable: "any" }), null, 2) + "\n";

/** The JSON Schema of `config.yaml`, for `npm run schemas`. */
export function renderOidcConfigJsonSchema(): string {
  return render(OidcConfigFile);
}
/** The JSON Schema of a key file (its plaintext), for `npm run schemas`. */
export function renderOidcKeyJsonSchema(): string {
  return render(OidcKeyFile);
}
/** The JSON Schema of a role file, for `npm run schemas`. */
export function renderOidcRoleJsonSchema(): string {
  return render(OidcRoleFile);
}
