/**
 * The zod schema of a JWT auth role file, `.secrets/auth/<mount>/roles/<name>.yaml` (what Vault
 * keeps at `auth/<mount>/role/<name>`), apart from the code that reads it so that
 * `scripts/gen-schemas.mjs` can bundle it alone (schemas/secrets-jwt-role.schema.json). It only
 * validates, never transforms; role.ts applies Vault's rules for a role on top (a user claim, at
 * least one bound constraint, …). Field names and meanings are vault-plugin-auth-jwt's
 * (path_role.go) and sdk/helper/tokenutil's.
 *
 * Durations are whole seconds or a Go duration string (`10m`, `1h30m`, `2d`). Fields this server
 * cannot honour are absent, so a file naming them is refused: `token_bound_cidrs`/`bound_cidrs`,
 * `token_num_uses`/`num_uses`, `token_period`/`period` (the token store has no bound addresses, use
 * counts or periodic tokens).
 */
import { z } from "zod";

/** Seconds, or a Go duration string (parseutil.ParseDurationSecond). */
export const FileDuration = z.union([z.int(), z.string()]);

/** A bound claim's expected value(s): a string, number or boolean, or a list of them (claims.go normalizeList). */
export const BoundClaimValue = z.union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number(), z.boolean()]))]);

export const JwtRoleFile = z.strictObject({
  /** `jwt` (absent: `jwt`, as Vault reports a stored role without one). `oidc` is refused here. */
  role_type: z.string().optional(),
  /** The claim whose value names the login (the token's display name is `<mount>-<value>`). */
  user_claim: z.string().optional(),
  /** `user_claim` is a JSON pointer (`/a/b`). */
  user_claim_json_pointer: z.boolean().optional(),
  /** Any one of these must be in the token's `aud`. */
  bound_audiences: z.array(z.string()).optional(),
  /** The token's `sub` must equal this. */
  bound_subject: z.string().optional(),
  /** `string` (exact, the default) or `glob` (`*` matches any run of characters). */
  bound_claims_type: z.enum(["string", "glob"]).optional(),
  /** Claim (or JSON pointer) → the value, or list of values, one of which it must have. */
  bound_claims: z.record(z.string(), BoundClaimValue).optional(),
  /** Claim (or JSON pointer) → token metadata key. */
  claim_mappings: z.record(z.string(), z.string()).optional(),
  groups_claim: z.string().optional(),
  expiration_leeway: FileDuration.optional(),
  not_before_leeway: FileDuration.optional(),
  clock_skew_leeway: FileDuration.optional(),
  /** OIDC-role fields, kept for Vault's read of a role; unused by `jwt` roles. */
  oidc_scopes: z.array(z.string()).optional(),
  allowed_redirect_uris: z.array(z.string()).optional(),
  verbose_oidc_logging: z.boolean().optional(),
  max_age: FileDuration.optional(),
  /** Policies of the tokens a login issues (`default` is added unless `token_no_default_policy`). */
  token_policies: z.array(z.string()).optional(),
  /** The legacy name of `token_policies` (used when `token_policies` is empty). */
  policies: z.array(z.string()).optional(),
  token_ttl: FileDuration.optional(),
  /** The legacy name of `token_ttl`. */
  ttl: FileDuration.optional(),
  token_max_ttl: FileDuration.optional(),
  /** The legacy name of `token_max_ttl`. */
  max_ttl: FileDuration.optional(),
  token_explicit_max_ttl: FileDuration.optional(),
  token_no_default_policy: z.boolean().optional(),
  /** `default` or `service` (every token here is a service token). */
  token_type: z.enum(["default", "service"]).optional(),
});
export type JwtRoleFile = z.infer<typeof JwtRoleFile>;

/** The JSON Schema of the file, for `npm run schemas` (schemas/secrets-jwt-role.schema.json). */
export function renderJwtRoleJsonSchema(): string {
  const schema = z.toJSONSchema(JwtRoleFile, { io: "input", target: "draft-2020-12", unrepresentable: "any" });
  return JSON.stringify(schema, null, 2) + "\n";
}
