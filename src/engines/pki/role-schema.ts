/**
 * The zod schema of a PKI role file, `.secrets/engines/<mount>/roles/<name>.yaml`: Vault's
 * `pki/roles/:name` fields (builtin/logical/pki path_roles.go) that this engine implements, apart
 * from the code that reads it so that `scripts/gen-schemas.mjs` can bundle it alone
 * (schemas/pki-role.schema.json). It validates only; role.ts fills Vault's defaults.
 *
 * Unknown fields are refused in a file (a misspelt `allowed_domains` must not silently allow
 * nothing, or everything), and so are Vault's fields not implemented here (`allowed_uri_sans`,
 * `generate_lease`, `use_pss`…), rather than accepted and ignored.
 */
import { z } from "zod";
import { DurationSeconds } from "../postgres/schema.js";

/** Vault's TypeCommaStringSlice in a file: a list, or one comma-separated string. */
const StringList = z.union([z.array(z.string()), z.string()]);

export const PkiRoleFile = z.strictObject({
  /** Default lifetime of a certificate (seconds or `72h`); 0: the mount's default (768h). */
  ttl: DurationSeconds.optional(),
  /** Longest lifetime; 0: the mount's maximum (768h). A longer `ttl` asked for is capped, with Vault's warning. */
  max_ttl: DurationSeconds.optional(),
  /** Domains names may be in (with `allow_bare_domains`, `allow_subdomains`, `allow_glob_domains`). */
  allowed_domains: StringList.optional(),
  /** `localhost` and `localdomain` (and their subdomains with `allow_subdomains`). Default true. */
  allow_localhost: z.boolean().optional(),
  /** A name equal to an allowed domain. Default false. */
  allow_bare_domains: z.boolean().optional(),
  /** A name below an allowed domain (any depth; a wildcard of one). Default false. */
  allow_subdomains: z.boolean().optional(),
  /** Allowed domains holding `*` are globs. Default false. */
  allow_glob_domains: z.boolean().optional(),
  /** Names such as `*.example.com`. Default true. */
  allow_wildcard_certificates: z.boolean().optional(),
  /** Any name at all. Default false. */
  allow_any_name: z.boolean().optional(),
  /** Names must be valid host names. Default true. */
  enforce_hostnames: z.boolean().optional(),
  /** IP addresses in `ip_sans`. Default true. */
  allow_ip_sans: z.boolean().optional(),
  /** The TLS server extended key usage. Default true. */
  server_flag: z.boolean().optional(),
  /** The TLS client extended key usage. Default true. */
  client_flag: z.boolean().optional(),
  /** `rsa` (default), `ec` or `ed25519`: the key `pki/issue` makes, and the key type a CSR to `pki/sign` must have. */
  key_type: z.enum(["rsa", "ec", "ed25519", "any"]).optional(),
  /** 0 (default): 2048 for RSA, 256 (P-256) for EC. */
  key_bits: z.int().min(0).optional(),
  /** Key usages, Go's names without `KeyUsage` (`DigitalSignature`, `KeyEncipherment`…). */
  key_usage: StringList.optional(),
  /** Extended key usages beyond the flags (`ServerAuth`, `ClientAuth`, `CodeSigning`…). */
  ext_key_usage: StringList.optional(),
  /** The subject's O and OU. */
  organization: StringList.optional(),
  ou: StringList.optional(),
  /** Issued certificates are not recorded (then `pki/revoke` by serial cannot find them). Default false. */
  no_store: z.boolean().optional(),
  /** A `common_name` is required. Default true. */
  require_cn: z.boolean().optional(),
  /** How far before now `notBefore` is set, against clock skew (seconds or `30s`). Default 30. */
  not_before_duration: DurationSeconds.optional(),
});
export type PkiRoleFile = z.infer<typeof PkiRoleFile>;

/** The JSON Schema of a role file, for `npm run schemas`. */
export function renderPkiRoleJsonSchema(): string {
  return JSON.stringify(z.toJSONSchema(PkiRoleFile, { io: "input", target: "draft-2020-12", unrepresentable: "any" }), null, 2) + "\n";
}
