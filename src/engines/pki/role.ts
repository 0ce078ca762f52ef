/**
 * A PKI role as the engine uses it: the file's fields (role-schema.ts) with Vault's defaults
 * filled in (path_roles.go), the API's write of one turned into a file, and Vault's role `data`
 * as `pki/roles/:name` reads it.
 */
import { z } from "zod";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { SecretsError } from "../../errors.js";
import { parseWith } from "../../util/zod-error.js";
import { keySpec } from "./keys.js";
import { PkiRoleFile } from "./role-schema.js";

export interface PkiRole {
  name: string;
  /** Seconds; 0: the mount's default. */
  ttl: number;
  /** Seconds; 0: the mount's maximum. */
  maxTtl: number;
  allowedDomains: string[];
  allowLocalhost: boolean;
  allowBareDomains: boolean;
  allowSubdomains: boolean;
  allowGlobDomains: boolean;
  allowWildcardCertificates: boolean;
  allowAnyName: boolean;
  enforceHostnames: boolean;
  allowIpSans: boolean;
  serverFlag: boolean;
  clientFlag: boolean;
  keyType: "rsa" | "ec" | "ed25519" | "any";
  /** As configured (0: the type's default). */
  keyBits: number;
  keyUsage: string[];
  extKeyUsage: string[];
  organization: string[];
  ou: string[];
  noStore: boolean;
  requireCn: boolean;
  /** Seconds. */
  notBeforeDuration: number;
}

const list = (v: string | string[] | undefined, fallback: string[] = []): string[] => (v === undefined ? fallback : (typeof v === "string" ? v.split(",") : v).map((s) => s.trim()).filter((s) => s !== ""));

const seconds = (d: number | string | undefined, fallback = 0): number => {
  if (d === undefined) return fallback;
  if (typeof d === "number") return d;
  const parsed = parseDurationSeconds(d);
  return "seconds" in parsed ? Math.floor(parsed.seconds) : fallback;
};

/** Vault's default key usages for a role. */
export const DEFAULT_KEY_USAGE = ["DigitalSignature", "KeyAgreement", "KeyEncipherment"];

/** The role of a parsed file, with Vault's defaults. */
export function resolveRole(name: string, f: PkiRoleFile): PkiRole {
  return {
    name,
    ttl: seconds(f.ttl),
    maxTtl: seconds(f.max_ttl),
    allowedDomains: list(f.allowed_domains),
    allowLocalhost: f.allow_localhost ?? true,
    allowBareDomains: f.allow_bare_domains ?? false,
    allowSubdomains: f.allow_subdomains ?? false,
    allowGlobDomains: f.allow_glob_domains ?? false,
    allowWildcardCertificates: f.allow_wildcard_certificates ?? true,
    allowAnyName: f.allow_any_name ?? false,
    enforceHostnames: f.enforce_hostnames ?? true,
    allowIpSans: f.allow_ip_sans ?? true,
    serverFlag: f.server_flag ?? true,
    clientFlag: f.client_flag ?? true,
    keyType: f.key_type ?? "rsa",
    keyBits: f.key_bits ?? 0,
    keyUsage: list(f.key_usage, DEFAULT_KEY_USAGE),
    extKeyUsage: list(f.ext_key_usage),
    organization: list(f.organization),
    ou: list(f.ou),
    noStore: f.no_store ?? false,
    requireCn: f.require_cn ?? true,
    notBeforeDuration: seconds(f.not_before_duration, 30),
  };
}

/** Vault's role `data` (ToResponseData), for the fields this engine has. */
export function roleResponseData(r: PkiRole): Record<string, unknown> {
  return {
    allow_any_name: r.allowAnyName,
    allow_bare_domains: r.allowBareDomains,
    allow_glob_domains: r.allowGlobDomains,
    allow_ip_sans: r.allowIpSans,
    allow_localhost: r.allowLocalhost,
    allow_subdomains: r.allowSubdomains,
    allow_wildcard_certificates: r.allowWildcardCertificates,
    allowed_domains: r.allowedDomains,
    client_flag: r.clientFlag,
    enforce_hostnames: r.enforceHostnames,
    ext_key_usage: r.extKeyUsage,
    key_bits: r.keyType === "any" ? 0 : keySpec(r.keyType, r.keyBits).bits,
    key_type: r.keyType,
    key_usage: r.keyUsage,
    max_ttl: r.maxTtl,
    no_store: r.noStore,
    not_before_duration: r.notBeforeDuration,
    organization: r.organization,
    ou: r.ou,
    require_cn: r.requireCn,
    server_flag: r.serverFlag,
    ttl: r.ttl,
  };
}

/** mapstructure's weak bool: true/false, 1/0, "true"/"1"/"t"… (strconv.ParseBool). */
const WeakBool = z.union([
  z.boolean(),
  z.number().transform((n) => n !== 0),
  z.enum(["1", "t", "T", "TRUE", "true", "True", "0", "f", "F", "FALSE", "false", "False"]).transform((s) => ["1", "t", "T", "TRUE", "true", "True"].includes(s)),
]);
const WeakInt = z.union([z.int(), z.string().regex(/^-?\d+$/).transform(Number)]);
const WeakList = z.union([z.array(z.union([z.string(), z.number().transform(String)])), z.string()]).transform((v) => list(v));
const WeakDuration = z.union([z.number(), z.string()]).transform((v, ctx) => {
  const parsed = parseDurationSeconds(v);
  if ("error" in parsed) {
    ctx.addIssue({ code: "custom", message: parsed.error });
    return z.NEVER;
  }
  return Math.floor(parsed.seconds);
});

/** How each API field is read (the framework's types). */
const API_FIELDS: Readonly<Record<keyof PkiRoleFile, z.ZodType>> = {
  ttl: WeakDuration,
  max_ttl: WeakDuration,
  not_before_duration: WeakDuration,
  allowed_domains: WeakList,
  key_usage: WeakList,
  ext_key_usage: WeakList,
  organization: WeakList,
  ou: WeakList,
  allow_localhost: WeakBool,
  allow_bare_domains: WeakBool,
  allow_subdomains: WeakBool,
  allow_glob_domains: WeakBool,
  allow_wildcard_certificates: WeakBool,
  allow_any_name: WeakBool,
  enforce_hostnames: WeakBool,
  allow_ip_sans: WeakBool,
  server_flag: WeakBool,
  client_flag: WeakBool,
  no_store: WeakBool,
  require_cn: WeakBool,
  key_type: z.string(),
  key_bits: WeakInt,
};

/**
 * A role file from a `pki/roles/:name` write's fields: each known field converted as the framework
 * would (400 `error converting input for field "x"` otherwise); fields this engine does not know
 * are left out and named in `ignored` (Vault's warning). Then checked as Vault checks a role:
 * the key type and size, and `ttl` no longer than `max_ttl`.
 */
export function roleFileFromApi(fields: Readonly<Record<string, unknown>>): { file: PkiRoleFile; ignored: string[] } {
  const out: Record<string, unknown> = {};
  const ignored: string[] = [];
  for (const [name, value] of Object.entries(fields)) {
    // Own properties only: `constructor` or `__proto__` in a body would otherwise find Object's.
    const schema: z.ZodType | undefined = Object.hasOwn(API_FIELDS, name) ? API_FIELDS[name as keyof PkiRoleFile] : undefined;
    if (!schema) {
      ignored.push(name);
      continue;
    }
    out[name] = parseWith(schema, value, (_issues, cause) => new SecretsError("usage", `error converting input for field ${JSON.stringify(name)}`, { cause }));
  }
  const file = parseWith(PkiRoleFile, out, ([issue]) => new SecretsError("usage", `${issue.path.join(".")}: ${issue.message}`));
  checkRole(resolveRole("", file));
  return { file, ignored: ignored.sort() };
}

/** Vault's checks of a role being written (pathRoleCreate / validateRole). Kind `usage`. */
export function checkRole(role: PkiRole): void {
  if (role.keyType !== "any") keySpec(role.keyType, role.keyBits);
  if (role.maxTtl > 0 && role.ttl > role.maxTtl) throw new SecretsError("usage", `"ttl" value must be less than "max_ttl" value`);
}
