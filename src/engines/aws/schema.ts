/**
 * The zod schemas of the AWS engine's two files, with Vault's field names
 * (builtin/logical/aws path_config_root.go and path_roles.go), apart from the code that reads them
 * so that `scripts/gen-schemas.mjs` can bundle them alone (schemas/aws-config.schema.json,
 * schemas/aws-role.schema.json). They validate only; config-files.ts fills defaults.
 *
 * - The **root configuration**, `.secrets/engines/<mount>/config/root.yaml`, is a sops-encrypted
 *   file (it holds the secret access key): Vault's `aws/config/root`. Without keys (or without the
 *   file) the engine has no key of its own: it assumes roles with a web identity token (a GitHub
 *   Actions OIDC token) through AssumeRoleWithWebIdentity.
 * - A **role**, `.secrets/engines/<mount>/roles/<role>.yaml`, is plaintext, reviewed like code:
 *   Vault's `aws/roles/:name`.
 *
 * Unknown fields are refused (a misspelt `max_sts_ttl` must not silently mean 768h), and so are
 * Vault's fields this engine does not implement (`iam_user` and everything only it uses:
 * `iam_groups`, `iam_tags`, `user_path`, `permissions_boundary_arn`; `username_template`), rather
 * than accepted and ignored. Cross-field rules are Vault's (awsRoleEntry.validate), with its texts.
 */
import { z } from "zod";
import { parseDurationSeconds } from "../../auth/policy/duration.js";
import { DurationSeconds } from "../postgres/schema.js";

/** The STS credential types (Vault's `iam_user` makes IAM users, which this engine does not). */
export const AWS_CREDENTIAL_TYPES = ["assumed_role", "federation_token", "session_token"] as const;
export type AwsCredentialType = (typeof AWS_CREDENTIAL_TYPES)[number];

/** Vault's TypeCommaStringSlice: a list, or one comma-separated string. */
const CommaStrings = z.union([z.array(z.string()), z.string()]);

/** An endpoint URL: `https://…`, or `http://…` (a stand-in on loopback, a proxy). */
const EndpointUrl = z.url({ protocol: /^https?$/, error: "an endpoint is an http:// or https:// URL" });

export const AwsRootConfigFile = z.strictObject({
  /** The access key id of the IAM user the engine calls STS as; with `secret_key`, or neither. */
  access_key: z.string().min(1).optional(),
  /** Its secret access key: it goes to the SDK's request signer and nowhere else. */
  secret_key: z.string().min(1).optional(),
  /** Default `us-east-1`, as Vault's (it also reads AWS_REGION; here the file says). */
  region: z.string().regex(/^[a-z0-9-]{1,32}$/, "a region is lower-case letters, digits and '-' (us-east-1)").optional(),
  /** STS's endpoint; default the region's (`https://sts.<region>.amazonaws.com`). */
  sts_endpoint: EndpointUrl.optional(),
  /** Vault's `sts_region`: the region requests to `sts_endpoint` are signed for; default `region`. */
  sts_region: z.string().regex(/^[a-z0-9-]{1,32}$/, "a region is lower-case letters, digits and '-' (us-east-1)").optional(),
  /** Attempts for a retryable failure (throttling, a 5xx): -1 (the default) is the SDK's own (3). */
  max_retries: z.int().min(-1).max(10).optional(),
}).refine((c) => (c.access_key === undefined) === (c.secret_key === undefined), "access_key and secret_key go together (or neither, to use a web identity token)");
export type AwsRootConfigFile = z.infer<typeof AwsRootConfigFile>;

export const AwsRoleFile = z
  .strictObject({
    /** Vault's `credential_type`: which STS call makes the credentials. */
    credential_type: z.enum(AWS_CREDENTIAL_TYPES, { error: `credential_type is one of ${AWS_CREDENTIAL_TYPES.join(", ")}` }),
    /** The roles `assumed_role` may assume; a request picks one with `role_arn` (none needed when there is one). */
    role_arns: CommaStrings.optional(),
    /** Managed policies that narrow what the credentials can do (AssumeRole, GetFederationToken `PolicyArns`). */
    policy_arns: CommaStrings.optional(),
    /** An inline policy that narrows them (`Policy`), JSON. */
    policy_document: z
      .string()
      .refine((s) => {
        if (s === "") return true;
        try {
          JSON.parse(s);
          return true;
        } catch {
          return false;
        }
      }, "cannot parse policy document")
      .optional(),
    /** The TTL when a request names none; else 3600 s (Vault's default). */
    default_sts_ttl: DurationSeconds.optional(),
    /** The most a request may ask for; else the system maximum (768h), and STS's own limits. */
    max_sts_ttl: DurationSeconds.optional(),
    /** Session tags for AssumeRole (`Tags`). */
    session_tags: z.record(z.string(), z.string()).optional(),
    /** AssumeRole's `ExternalId`. */
    external_id: z.string().min(2).max(1224).optional(),
    /** GetSessionToken's `SerialNumber`: a request then gives `mfa_code`. */
    mfa_serial_number: z.string().min(9).max(256).optional(),
  })
  .superRefine((r, ctx) => {
    const fail = (message: string): void => {
      ctx.addIssue({ code: "custom", message });
    };
    const list = (v: string | string[] | undefined): string[] => (v === undefined ? [] : typeof v === "string" ? v.split(",") : v).map((s) => s.trim()).filter((s) => s !== "");
    const seconds = (v: number | string | undefined): number => {
      if (typeof v !== "string") return v ?? 0;
      const parsed = parseDurationSeconds(v);
      return "seconds" in parsed ? parsed.seconds : 0;
    };
    if (list(r.role_arns).length > 0 && r.credential_type !== "assumed_role") fail("cannot supply role_arns when credential_type isn't assumed_role");
    if (r.session_tags && Object.keys(r.session_tags).length > 0 && r.credential_type !== "assumed_role") fail("cannot supply session_tags when credential_type isn't assumed_role");
    if (r.external_id !== undefined && r.credential_type !== "assumed_role") fail("cannot supply external_id when credential_type isn't assumed_role");
    if ((r.policy_document || list(r.policy_arns).length > 0) && r.credential_type === "session_token") fail("cannot supply a policy or role when using credential_type session_token");
    if (r.mfa_serial_number !== undefined && r.credential_type !== "session_token") fail("mfa_serial_number is only used with credential_type session_token");
    if (r.credential_type === "federation_token" && !r.policy_document && list(r.policy_arns).length === 0) {
      fail("must specify at least one of policy_arns or policy_document with federation_token credential_type");
    }
    const def = seconds(r.default_sts_ttl);
    const max = seconds(r.max_sts_ttl);
    if (def > 0 && max > 0 && def > max) fail('"default_sts_ttl" value must be less than or equal to "max_sts_ttl" value');
  });
export type AwsRoleFile = z.infer<typeof AwsRoleFile>;

/** The JSON Schema of the root configuration file, for `npm run schemas`. */
export function renderAwsConfigJsonSchema(): string {
  return JSON.stringify(z.toJSONSchema(AwsRootConfigFile, { io: "input", target: "draft-2020-12", unrepresentable: "any" }), null, 2) + "\n";
}

/** The JSON Schema of a role file, for `npm run schemas`. */
export function renderAwsRoleJsonSchema(): string {
  return JSON.stringify(z.toJSONSchema(AwsRoleFile, { io: "input", target: "draft-2020-12", unrepresentable: "any" }), null, 2) + "\n";
}
