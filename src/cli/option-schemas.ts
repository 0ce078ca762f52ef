import * as z from "zod/mini";
import { SecretsError } from "../errors.js";
import { optionFlag, parseWith } from "../util/zod-error.js";

/**
 * The option objects commander hands to the commands that validate theirs, as zod schemas. zod/mini
 * keeps this cheap: `git textconv` and `merge-driver` run once per file in a diff or merge.
 */

const str = z.optional(z.string());
const flag = z.optional(z.boolean());

// --- git history and git's drivers (messages by parseOptions) ---
export const LogOptions = z.object({ format: z._default(z.enum(["table", "json"]), "table"), values: flag, since: str, inputType: str });
export const ShowOptions = z.object({ rev: z.string().check(z.minLength(1)), outputType: str, inputType: str, ignoreMac: flag });
export const DiffOptions = z.object({ staged: flag, cached: flag, values: flag, format: z._default(z.enum(["text", "json"]), "text"), exitCode: flag });
export const SetupOptions = z.object({ hooks: flag, showValues: flag, command: str, force: flag, config: str });
export const TextconvOptions = z.object({ values: flag });
export const CheckOptions = z.object({ staged: flag, config: str });
export const AuditOptions = z.object({ since: str, format: z._default(z.enum(["markdown", "json"]), "markdown"), config: str });
/** Which `audit` a call is: history, or with `--access` the access log (then AuditAccessOptions). */
export const AuditModeOptions = z.object({ access: str, path: str });

// --- access, verify and policy diff (messages by parseOptionsWithSchemaMessages) ---

/** One of `values`, `fallback` when absent; the message lists the choices, not what was given. */
export const formatEnum = <T extends readonly [string, ...string[]]>(values: T, fallback: T[number]) =>
  z._default(z.enum(values, { error: `expected ${values.join(" or ")}` }), fallback);

export const AccessListOptions = z.object({ format: formatEnum(["table", "json"] as const, "table"), config: str, recipient: str });
export const AccessEditOptions = z.object({ commit: flag, policyOnly: flag, config: str });
export const AccessGrantOptions = z.extend(AccessEditOptions, {
  path: z.string().check(z.minLength(1, "give the path_regex of a rule")),
  group: z.optional(z.coerce.number().check(z.int(), z.minimum(0))),
});
export const VerifyOptions = z.object({ format: formatEnum(["text", "json"] as const, "text"), strict: flag, mac: z._default(z.boolean(), true), config: str, failOnOverdue: flag });
export const PolicyDiffOptions = z.object({ format: formatEnum(["markdown", "json"] as const, "markdown"), failOnChange: flag, config: str });

/** `secrets audit --access LOG`: the server's access log instead of history (so no `--config`, no files). */
export const AuditAccessOptions = z.object({
  access: z.string().check(z.minLength(1, "give the audit log's file")),
  path: z.optional(z.string().check(z.minLength(1, "give a request path (a policy path: secret/data/app, secret/+/app, secret/*)"))),
  since: str,
  format: formatEnum(["table", "json"] as const, "table"),
  config: z.optional(z.undefined({ error: "not used with --access (the log names no recipient)" })),
});

// --- tokens for `secrets serve` (messages by parseOptionsWithSchemaMessages) ---
export const TokenCreateOptions = z.object({
  policy: z.array(z.string()).check(z.minLength(1, "give at least one policy")),
  ttl: str,
  meta: z._default(z.array(z.string()), []),
  defaultPolicy: z._default(z.boolean(), true),
  commit: flag,
});
export const TokenRevokeOptions = z.object({ commit: flag });
export const TokenListOptions = z.object({ format: formatEnum(["table", "json"] as const, "table") });

/** Parses options; a bad one is a one-line usage error naming the option (and the allowed values). */
export function parseOptions<T extends z.ZodMiniType>(schema: T, value: unknown): z.infer<T> {
  return parseWith(schema, value, ([issue]) => {
    const allowed = issue.code === "invalid_value" ? ` (expected one of ${issue.values.map(String).join(", ")})` : "";
    return new SecretsError("usage", `invalid ${optionFlag(issue.path.map(String).join("."))}${allowed}`);
  });
}

/** Parses options; the first problem becomes a one-line usage error: the option, then the schema's message. */
export function parseOptionsWithSchemaMessages<T extends z.ZodMiniType>(schema: T, value: unknown): z.infer<T> {
  return parseWith(schema, value, ([issue]) => {
    const name = issue.path.length ? `${optionFlag(String(issue.path[0]))}: ` : "";
    return new SecretsError("usage", `${name}${issue.message}`);
  });
}

// --- the file commands ---

/** sops' `--indent N`: an integer, -1 (JSON's tab) or more. */
export const IndentOption = z.optional(z.coerce.number().check(z.int(), z.minimum(-1)));

/** `--indent` from a command's options, validated (undefined when not given). */
export function parseIndent(value: string | undefined): number | undefined {
  return parseOptions(z.object({ indent: IndentOption }), { indent: value }).indent;
}

/**
 * `run`/`export --env NAME`: one folder name under the secrets root and the suffix of `.env.NAME`, so
 * letters, digits, `.`, `_` and `-` only (no `/`, which would make it a path; not `.` or `..`).
 */
const EnvName = z.optional(
  z.string().check(z.regex(/^(?!\.\.?$)[A-Za-z0-9._-]+$/, "an environment is a name like production or staging (letters, digits, . _ -)")),
);

/** `--env` from `run`'s or `export`'s options, validated (undefined when not given). */
export function parseEnvName(value: string | undefined): string | undefined {
  return parseOptionsWithSchemaMessages(z.object({ env: EnvName }), { env: value }).env;
}

/** `secrets list [PREFIX]`. */
export const ListOptions = z.object({ format: formatEnum(["table", "json"] as const, "table"), root: str });

// --- serve ---
export const ServeOptions = z.object({ listen: z._default(z.string(), "127.0.0.1:8200"), tlsCert: str, tlsKey: str, auditFile: str, stateDir: str, insecureListen: flag, pullInterval: str, reapInterval: str });

// --- dynamic credentials and leases (messages by parseOptionsWithSchemaMessages) ---
export const CredsOptions = z.object({
  ttl: str,
  format: formatEnum(["json", "env", "shell"] as const, "json"),
  prefix: z.optional(z.string().check(z.regex(/^[A-Za-z_][A-Za-z0-9_]*$/, "a variable name prefix is letters, digits and '_', not starting with a digit"))),
  displayName: str,
  stateDir: str,
  // The AWS engine's request fields (Vault's role_arn, role_session_name, mfa_code).
  roleArn: str,
  roleSessionName: str,
  mfaCode: str,
});
export const LeaseListOptions = z.object({ prefix: str, irrevocable: flag, format: formatEnum(["table", "json"] as const, "table"), stateDir: str });
export const LeaseLookupOptions = z.object({ format: formatEnum(["table", "json"] as const, "table"), stateDir: str });
export const LeaseRenewOptions = z.object({ increment: str, format: formatEnum(["table", "json"] as const, "table"), stateDir: str });
export const LeaseRevokeOptions = z.object({ force: flag, stateDir: str });
export const LeaseTidyOptions = z.object({ format: formatEnum(["table", "json"] as const, "table"), stateDir: str });

// --- `secrets jwt` (identity OIDC tokens; messages by parseOptionsWithSchemaMessages) ---
export const JwtKeyCreateOptions = z.object({ algorithm: formatEnum(["EdDSA", "ES256"] as const, "EdDSA"), verificationTtl: str, allowedClientIds: z._default(z.string(), "*") });
export const JwtKeyRotateOptions = z.object({ verificationTtl: str });
export const JwtTokenOptions = z.object({ ttl: str, displayName: str, format: formatEnum(["token", "json"] as const, "token") });

// --- scheduled rotation (messages by parseOptionsWithSchemaMessages) ---
export const RotationStatusOptions = z.object({ format: formatEnum(["table", "json"] as const, "table"), failOnOverdue: flag, root: str, stateDir: str });
export const RotateValuesOptions = z.object({ due: flag, finish: flag, dryRun: flag, reset: flag, format: formatEnum(["table", "json"] as const, "table"), root: str, stateDir: str });
