/**
 * The zod schema of a JWT auth mount's configuration file, `.secrets/auth/<mount>/config.yaml`
 * (what Vault keeps at `auth/<mount>/config`), apart from the code that reads it so that
 * `scripts/gen-schemas.mjs` can bundle it alone (schemas/secrets-jwt-config.schema.json). It only
 * validates, never transforms. Field names and meanings are vault-plugin-auth-jwt's
 * (path_config.go); every field is optional and an absent one has Vault's zero value.
 *
 * Not here, on purpose: `oidc_client_id` and `oidc_client_secret` (the OIDC browser flow, which
 * this server does not have; the secret would sit in clear in the repository), `jwks_pairs` and
 * `provider_config` (not supported). A file naming them is refused.
 */
import { z } from "zod";

/** The signing algorithms cap/jwt accepts (algs.go). */
export const SUPPORTED_ALGORITHMS = ["RS256", "RS384", "RS512", "ES256", "ES384", "ES512", "PS256", "PS384", "PS512", "EdDSA"] as const;

export const JwtConfigFile = z.strictObject({
  /** OIDC discovery base URL (no `.well-known` part): its `jwks_uri` gives the keys. */
  oidc_discovery_url: z.string().optional(),
  /** PEM CA certificate(s) for the discovery URL's TLS; default: the system's. */
  oidc_discovery_ca_pem: z.string().optional(),
  oidc_response_mode: z.string().optional(),
  oidc_response_types: z.array(z.string()).optional(),
  /** A JWKS URL. */
  jwks_url: z.string().optional(),
  /** PEM CA certificate(s) for the JWKS URL's TLS. */
  jwks_ca_pem: z.string().optional(),
  /** PEM public keys (PKIX `PUBLIC KEY` or certificates): signatures checked locally, no network. */
  jwt_validation_pubkeys: z.array(z.string()).optional(),
  /** Allowed `alg` values; default: all ten asymmetric algorithms. */
  jwt_supported_algs: z.array(z.string()).optional(),
  /** The `iss` a token must carry. */
  bound_issuer: z.string().optional(),
  /** The role used when a login names none. */
  default_role: z.string().optional(),
  /** Vault's default for a new configuration is true. */
  namespace_in_state: z.boolean().optional(),
  unsupported_critical_cert_extensions: z.array(z.string()).optional(),
});
export type JwtConfigFile = z.infer<typeof JwtConfigFile>;

/** The JSON Schema of the file, for `npm run schemas` (schemas/secrets-jwt-config.schema.json). */
export function renderJwtConfigJsonSchema(): string {
  const schema = z.toJSONSchema(JwtConfigFile, { io: "input", target: "draft-2020-12", unrepresentable: "any" });
  return JSON.stringify(schema, null, 2) + "\n";
}
