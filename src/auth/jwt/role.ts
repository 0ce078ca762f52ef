/**
 * A JWT auth role (Vault's `auth/<mount>/role/<name>`, vault-plugin-auth-jwt path_role.go, with
 * sdk/helper/tokenutil's token fields): what a token must claim to log in under it, and what the
 * login's Vault token gets. Kept in the repository as `.secrets/auth/<mount>/roles/<name>.yaml`
 * (role-schema.ts), written by hand or by `POST auth/<mount>/role/<name>` (a commit).
 *
 * Vault's rules, applied to a write and to a file alike: a `user_claim`; for a `jwt` role at least
 * one bound constraint (`bound_audiences`, `bound_subject` or `bound_claims`); glob bound values
 * are strings; `role` is not a claim mapping's target and no two claims map to one key; `token_ttl`
 * ≤ `token_max_ttl`. A write updates the stored role field by field, as Vault's does — with Vault's
 * two quirks kept: `role_type` is `oidc` unless sent, and `bound_claims_type` is `string` unless sent.
 *
 * Refused here, with a message that says why: `role_type: oidc` (the browser flow is not served),
 * `token_bound_cidrs`/`bound_cidrs`, `token_num_uses`/`num_uses`, `token_period`/`period`,
 * `token_type: batch` (the token store has no bound addresses, use counts, periodic or batch
 * tokens). Durations are whole seconds.
 */
import { stringify as stringifyYaml } from "yaml";
import { SecretsError } from "../../errors.js";
import { parseYamlConfig } from "../../util/yaml-config.js";
import { parseDurationSeconds } from "../policy/duration.js";
import { SYSTEM_MAX_TTL } from "../tokens/ttl.js";
import { sanitizePolicies } from "../tokens/policies.js";
import { goValue } from "./claims.js";
import { boolField, commaStringSliceField, durationField, has, intField, kvPairsField, mapField, rawFields, stringField, type RawFields } from "./field-data.js";
import { JwtRoleFile } from "./role-schema.js";

export interface JwtRole {
  role_type: "jwt" | "oidc";
  expiration_leeway: number;
  not_before_leeway: number;
  clock_skew_leeway: number;
  bound_audiences: string[] | null;
  bound_subject: string;
  bound_claims_type: "string" | "glob";
  bound_claims: Record<string, unknown> | null;
  claim_mappings: Record<string, string> | null;
  user_claim: string;
  user_claim_json_pointer: boolean;
  groups_claim: string;
  oidc_scopes: string[] | null;
  allowed_redirect_uris: string[] | null;
  verbose_oidc_logging: boolean;
  max_age: number;
  token_policies: string[];
  token_ttl: number;
  token_max_ttl: number;
  token_explicit_max_ttl: number;
  token_no_default_policy: boolean;
  token_type: "default" | "service";
  /** The legacy fields (tokenutil's upgrade): kept as Vault keeps them, so that a read shows them. */
  policies: string[];
  ttl: number;
  max_ttl: number;
}

/** A role name (framework.GenericNameRegex, lower case as TypeLowerCaseString stores it). */
export const ROLE_NAME = /^\w(?:[\w.-]*\w)?$/;

/** The fields `POST auth/<mount>/role/<name>` takes (path_role.go with tokenutil's), for the unrecognized-parameters warning. */
export const ROLE_FIELDS: ReadonlySet<string> = new Set([
  "name",
  "role_type",
  "policies",
  "num_uses",
  "ttl",
  "max_ttl",
  "period",
  "bound_cidrs",
  "expiration_leeway",
  "not_before_leeway",
  "clock_skew_leeway",
  "bound_subject",
  "bound_audiences",
  "bound_claims_type",
  "bound_claims",
  "claim_mappings",
  "user_claim",
  "user_claim_json_pointer",
  "groups_claim",
  "oidc_scopes",
  "allowed_redirect_uris",
  "verbose_oidc_logging",
  "max_age",
  "token_bound_cidrs",
  "token_explicit_max_ttl",
  "token_max_ttl",
  "token_no_default_policy",
  "token_period",
  "token_policies",
  "token_type",
  "token_ttl",
  "token_num_uses",
]);

/** A role with nothing set (`new(jwtRole)`). */
export function emptyRole(): JwtRole {
  return {
    role_type: "jwt",
    expiration_leeway: 0,
    not_before_leeway: 0,
    clock_skew_leeway: 0,
    bound_audiences: null,
    bound_subject: "",
    bound_claims_type: "string",
    bound_claims: null,
    claim_mappings: null,
    user_claim: "",
    user_claim_json_pointer: false,
    groups_claim: "",
    oidc_scopes: null,
    allowed_redirect_uris: null,
    verbose_oidc_logging: false,
    max_age: 0,
    token_policies: [],
    token_ttl: 0,
    token_max_ttl: 0,
    token_explicit_max_ttl: 0,
    token_no_default_policy: false,
    token_type: "default",
    policies: [],
    ttl: 0,
    max_ttl: 0,
  };
}

const usage = (message: string): SecretsError => new SecretsError("usage", message);

/** A bound claim value this server can store and match: a string, number or boolean, or a list of them. */
const scalar = (v: unknown): boolean => typeof v === "string" || typeof v === "number" || typeof v === "boolean";

/** The checks a role must pass (pathRoleCreateUpdate's, in its order, and ours); kind `usage` with the message. */
export function checkRole(role: JwtRole): void {
  if (role.bound_claims) {
    for (const values of Object.values(role.bound_claims)) {
      if (!(scalar(values) || (Array.isArray(values) && values.every(scalar)))) {
        if (role.bound_claims_type === "glob") throw usage(`claim is not a string or list: ${goValue(values)}`);
        throw usage("a bound claim's value must be a string, a number, a boolean or a list of them");
      }
      if (role.bound_claims_type === "glob") for (const v of Array.isArray(values) ? values : [values]) if (typeof v !== "string") throw usage(`claim is not a string: ${goValue(v)}`);
    }
  }
  if (role.claim_mappings) {
    const targets = new Set<string>();
    for (const key of Object.values(role.claim_mappings)) {
      if (key === "role") throw usage(`metadata key ${JSON.stringify(key)} is reserved and may not be a mapping destination`);
      if (targets.has(key)) throw usage(`multiple keys are mapped to metadata key ${JSON.stringify(key)}`);
      targets.add(key);
    }
  }
  if (role.user_claim === "") throw usage("a user claim must be defined on the role");
  if (role.role_type === "oidc" && (role.allowed_redirect_uris ?? []).length === 0) throw usage("'allowed_redirect_uris' must be set if 'role_type' is 'oidc' or unspecified.");
  if (role.role_type !== "oidc" && (role.bound_audiences ?? []).length === 0 && role.bound_subject === "" && Object.keys(role.bound_claims ?? {}).length === 0) {
    throw usage("must have at least one bound constraint when creating/updating a role");
  }
  if (role.token_max_ttl > 0 && role.token_ttl > role.token_max_ttl) throw usage("ttl should not be greater than max ttl");
  if (role.role_type === "oidc") throw usage('role_type "oidc" is not supported by this server: it serves JWT login only (role_type "jwt")');
}

/** Refuses a field this server cannot honour when the request sets it to anything but its zero value. */
function refuseSet(raw: RawFields, fields: readonly string[], zero: (field: string) => boolean, why: string): void {
  for (const f of fields) if (has(raw, f) && !zero(f)) throw usage(`${f} is not supported by this server: ${why}`);
}

/**
 * tokenutil.UpgradeValue for a legacy/new pair: the new field wins; the legacy one, given alone,
 * sets both; the legacy value is kept only when both were given (then equal to the new one).
 */
function upgrade<T>(raw: RawFields, oldKey: string, newKey: string, read: (key: string) => T, zero: T, current: { old: T; now: T }): { old: T; now: T } {
  if (!has(raw, newKey)) {
    if (has(raw, oldKey)) {
      const v = read(oldKey);
      return { old: v, now: v };
    }
    return current;
  }
  return { old: has(raw, oldKey) ? current.now : zero, now: current.now };
}

/**
 * The role `POST auth/<mount>/role/<name>` makes of `existing` (null: a new role), as
 * pathRoleCreateUpdate makes it; `operation` is the request's (`update` of a missing role is
 * Vault's 500 `role entry not found during update operation`, kind `generic`). Returns the role
 * and Vault's warnings. Kind `usage` (400) for what Vault or this server refuses.
 */
export function roleFromRequest(body: unknown, existing: JwtRole | null, operation: "create" | "update"): { role: JwtRole; warnings: string[] } {
  const raw = rawFields(body);
  if (existing === null && operation === "update") throw new SecretsError("generic", "role entry not found during update operation");
  const role: JwtRole = existing ? structuredClone(existing) : emptyRole();

  const roleType = stringField(raw, "role_type") || "oidc";
  if (roleType !== "jwt" && roleType !== "oidc") throw usage(`invalid 'role_type': ${roleType}`);
  role.role_type = roleType;

  // tokenutil.ParseTokenFields, then the fields this server has no way to honour.
  refuseSet(raw, ["token_bound_cidrs", "bound_cidrs"], (f) => commaStringSliceField(raw, f).length === 0, "its tokens cannot be bound to addresses");
  if (has(raw, "token_explicit_max_ttl")) role.token_explicit_max_ttl = durationField(raw, "token_explicit_max_ttl");
  if (has(raw, "token_max_ttl")) role.token_max_ttl = durationField(raw, "token_max_ttl");
  if (has(raw, "token_no_default_policy")) role.token_no_default_policy = boolField(raw, "token_no_default_policy");
  refuseSet(raw, ["token_period", "period"], (f) => durationField(raw, f) === 0, "it has no periodic tokens");
  if (has(raw, "token_policies")) role.token_policies = commaStringSliceField(raw, "token_policies");
  if (has(raw, "token_type")) {
    const t = stringField(raw, "token_type");
    if (t === "" || t === "default") role.token_type = "default";
    else if (t === "service") role.token_type = "service";
    else if (t === "batch" || t === "default-batch") throw usage("token_type batch is not supported by this server: every token it issues is a service token");
    else throw usage(`invalid 'token_type' value ${JSON.stringify(t)}`);
  }
  refuseSet(raw, ["token_num_uses", "num_uses"], (f) => intField(raw, f) === 0, "its tokens have no use count");
  if (has(raw, "token_ttl")) role.token_ttl = durationField(raw, "token_ttl");
  if (role.token_ttl > 0 && role.token_max_ttl > 0 && role.token_ttl > role.token_max_ttl) throw usage("'token_ttl' cannot be greater than 'token_max_ttl'");

  const policies = upgrade(raw, "policies", "token_policies", (k) => sanitizePolicies(commaStringSliceField(raw, k), false), [] as string[], { old: role.policies, now: role.token_policies });
  [role.policies, role.token_policies] = [policies.old, policies.now];
  const ttl = upgrade(raw, "ttl", "token_ttl", (k) => durationField(raw, k), 0, { old: role.ttl, now: role.token_ttl });
  [role.ttl, role.token_ttl] = [ttl.old, ttl.now];
  const maxTtl = upgrade(raw, "max_ttl", "token_max_ttl", (k) => durationField(raw, k), 0, { old: role.max_ttl, now: role.token_max_ttl });
  [role.max_ttl, role.token_max_ttl] = [maxTtl.old, maxTtl.now];

  if (has(raw, "expiration_leeway")) role.expiration_leeway = durationField(raw, "expiration_leeway", true);
  if (has(raw, "not_before_leeway")) role.not_before_leeway = durationField(raw, "not_before_leeway", true);
  if (has(raw, "clock_skew_leeway")) role.clock_skew_leeway = durationField(raw, "clock_skew_leeway", true);
  if (has(raw, "bound_audiences")) role.bound_audiences = commaStringSliceField(raw, "bound_audiences");
  if (has(raw, "bound_subject")) role.bound_subject = stringField(raw, "bound_subject");
  if (has(raw, "verbose_oidc_logging")) role.verbose_oidc_logging = boolField(raw, "verbose_oidc_logging");
  if (has(raw, "max_age")) role.max_age = durationField(raw, "max_age");

  const claimsType = has(raw, "bound_claims_type") ? stringField(raw, "bound_claims_type") : "string";
  if (claimsType !== "string" && claimsType !== "glob") throw usage(`invalid 'bound_claims_type': ${claimsType}`);
  role.bound_claims_type = claimsType;
  const boundClaims = mapField(raw, "bound_claims");
  if (boundClaims) role.bound_claims = boundClaims;
  const mappings = kvPairsField(raw, "claim_mappings");
  if (mappings) role.claim_mappings = mappings;
  if (has(raw, "user_claim")) role.user_claim = stringField(raw, "user_claim");
  if (has(raw, "user_claim_json_pointer")) role.user_claim_json_pointer = boolField(raw, "user_claim_json_pointer");
  if (has(raw, "groups_claim")) role.groups_claim = stringField(raw, "groups_claim");
  if (has(raw, "oidc_scopes")) role.oidc_scopes = commaStringSliceField(raw, "oidc_scopes");
  if (has(raw, "allowed_redirect_uris")) role.allowed_redirect_uris = commaStringSliceField(raw, "allowed_redirect_uris");

  checkRole(role);
  const warnings: string[] = [];
  if (role.token_max_ttl > SYSTEM_MAX_TTL) warnings.push("token max ttl is greater than the system or backend mount's maximum TTL value; issued tokens' max TTL value will be truncated");
  if (role.verbose_oidc_logging) {
    warnings.push("verbose_oidc_logging has been enabled for this role. This is not recommended in production since sensitive information may be present in OIDC responses.");
  }
  return { role, warnings };
}

/** `GET auth/<mount>/role/<name>`'s data (pathRoleRead with tokenutil's PopulateTokenData). */
export function roleReadData(role: JwtRole): Record<string, unknown> {
  const d: Record<string, unknown> = {
    role_type: role.role_type,
    expiration_leeway: role.expiration_leeway,
    not_before_leeway: role.not_before_leeway,
    clock_skew_leeway: role.clock_skew_leeway,
    bound_audiences: role.bound_audiences,
    bound_subject: role.bound_subject,
    bound_claims_type: role.bound_claims_type,
    bound_claims: role.bound_claims,
    claim_mappings: role.claim_mappings,
    user_claim: role.user_claim,
    user_claim_json_pointer: role.user_claim_json_pointer,
    groups_claim: role.groups_claim,
    allowed_redirect_uris: role.allowed_redirect_uris,
    oidc_scopes: role.oidc_scopes,
    verbose_oidc_logging: role.verbose_oidc_logging,
    max_age: role.max_age,
    token_bound_cidrs: [],
    token_explicit_max_ttl: role.token_explicit_max_ttl,
    token_max_ttl: role.token_max_ttl,
    token_no_default_policy: role.token_no_default_policy,
    token_period: 0,
    token_policies: role.token_policies,
    token_type: role.token_type,
    token_ttl: role.token_ttl,
    token_num_uses: 0,
  };
  if (role.policies.length > 0) d.policies = role.token_policies;
  if (role.ttl > 0) d.ttl = role.ttl;
  if (role.max_ttl > 0) d.max_ttl = role.max_ttl;
  return d;
}

/** Seconds from a file's duration; kind `config` naming the field when it does not parse. */
function fileSeconds(v: number | string | undefined, field: string, shown: string, signed: boolean): number {
  if (v === undefined) return 0;
  const parsed = parseDurationSeconds(v);
  if ("error" in parsed) throw new SecretsError("config", `${shown}: ${field}: ${parsed.error}`);
  const s = Math.trunc(parsed.seconds);
  if (!signed && s < 0) throw new SecretsError("config", `${shown}: ${field}: a duration cannot be negative`);
  return s;
}

/** A stored role without a type is a `jwt` role (Vault's role() reports it so). */
function fileRoleType(t: string | undefined, shown: string): JwtRole["role_type"] {
  if (t === undefined || t === "" || t === "jwt") return "jwt";
  if (t === "oidc") return "oidc";
  throw new SecretsError("config", `${shown}: role_type: invalid 'role_type': ${t}`);
}

/** The role a file describes (legacy fields upgraded as Vault's role() upgrades a stored role). */
export function roleFromFile(file: JwtRoleFile, shown: string): JwtRole {
  const role: JwtRole = {
    ...emptyRole(),
    role_type: fileRoleType(file.role_type, shown),
    expiration_leeway: fileSeconds(file.expiration_leeway, "expiration_leeway", shown, true),
    not_before_leeway: fileSeconds(file.not_before_leeway, "not_before_leeway", shown, true),
    clock_skew_leeway: fileSeconds(file.clock_skew_leeway, "clock_skew_leeway", shown, true),
    bound_audiences: file.bound_audiences ? [...file.bound_audiences] : null,
    bound_subject: file.bound_subject ?? "",
    bound_claims_type: file.bound_claims_type ?? "string",
    bound_claims: file.bound_claims ? { ...file.bound_claims } : null,
    claim_mappings: file.claim_mappings ? { ...file.claim_mappings } : null,
    user_claim: file.user_claim ?? "",
    user_claim_json_pointer: file.user_claim_json_pointer ?? false,
    groups_claim: file.groups_claim ?? "",
    oidc_scopes: file.oidc_scopes ? [...file.oidc_scopes] : null,
    allowed_redirect_uris: file.allowed_redirect_uris ? [...file.allowed_redirect_uris] : null,
    verbose_oidc_logging: file.verbose_oidc_logging ?? false,
    max_age: fileSeconds(file.max_age, "max_age", shown, false),
    token_policies: [...(file.token_policies ?? [])],
    token_ttl: fileSeconds(file.token_ttl, "token_ttl", shown, false),
    token_max_ttl: fileSeconds(file.token_max_ttl, "token_max_ttl", shown, false),
    token_explicit_max_ttl: fileSeconds(file.token_explicit_max_ttl, "token_explicit_max_ttl", shown, false),
    token_no_default_policy: file.token_no_default_policy ?? false,
    token_type: file.token_type ?? "default",
    policies: [...(file.policies ?? [])],
    ttl: fileSeconds(file.ttl, "ttl", shown, false),
    max_ttl: fileSeconds(file.max_ttl, "max_ttl", shown, false),
  };
  if (role.token_ttl === 0 && role.ttl > 0) role.token_ttl = role.ttl;
  if (role.token_max_ttl === 0 && role.max_ttl > 0) role.token_max_ttl = role.max_ttl;
  if (role.token_policies.length === 0 && role.policies.length > 0) role.token_policies = [...role.policies];
  return role;
}

/** The role in a file's text; kind `config` naming `shown` (and the field) when it is not YAML, breaks the schema or Vault's rules. */
export function parseRoleFile(text: string, shown: string): JwtRole {
  const file = parseYamlConfig(JwtRoleFile, text, shown);
  const role = roleFromFile(file, shown);
  try {
    checkRole(role);
  } catch (e) {
    throw new SecretsError("config", `${shown}: ${(e as Error).message}`, { cause: e });
  }
  return role;
}

/** The file's text for `role`: a header line, then the fields that differ from a new role's. */
export function roleFileText(role: JwtRole, title: string): string {
  const empty = emptyRole() as unknown as Record<string, unknown>;
  const file: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(role)) {
    if (k === "role_type") file[k] = v;
    else if (JSON.stringify(v) !== JSON.stringify(empty[k])) file[k] = v;
  }
  return `# ${title}: a JWT auth role (schemas/secrets-jwt-role.schema.json)\n${stringifyYaml(file)}`;
}
