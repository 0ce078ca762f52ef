/**
 * The zod schema of a Vault ACL policy document, in the shape both of Vault's forms share once read:
 * the JSON form as written, the HCL form as `@cdktn/hcl2json` turns it into JSON (every `path` block
 * becomes a list entry under its path, so one path may carry several bodies).
 *
 * The keys are Vault's (vault/policy.go parseACLPolicyWithTemplating: top level `name`, `path`;
 * parsePaths: the keys of a path body). Vault refuses any other key (hclutil.CheckHCLKeys), so
 * every object here is strict. The schema only validates, it never transforms, so that
 * `z.toJSONSchema` can describe it and `scripts/gen-schemas.mjs` can write
 * `schemas/vault-policy.schema.json` from it. Meaning (capability names, the legacy shorthand,
 * wildcards, durations) is checked by parse.ts with Vault's messages.
 */
import { z } from "zod";

/** A parameter's permitted or forbidden values: any JSON value; an empty list means every value. */
const ParameterValues = z.array(z.unknown());

/** A duration: seconds as a number or a string of digits, `Nd`, or Go's syntax (`90s`, `1h`). */
const Duration = z.union([z.string(), z.number()]);

/** One `path "…" { … }` body. */
export const PathBodySchema = z.strictObject({
  comment: z.string().optional(),
  /** The legacy shorthand: `deny`, `read`, `write` or `sudo`. */
  policy: z.string().optional(),
  capabilities: z.array(z.string()).optional(),
  allowed_parameters: z.record(z.string(), ParameterValues).optional(),
  denied_parameters: z.record(z.string(), ParameterValues).optional(),
  required_parameters: z.array(z.string()).optional(),
  min_wrapping_ttl: Duration.optional(),
  max_wrapping_ttl: Duration.optional(),
  /** Vault Enterprise (MFA, control groups): accepted as Vault CE accepts them, and not enforced. */
  mfa_methods: z.array(z.string()).optional(),
  control_group: z.unknown().optional(),
});
export type PathBody = z.infer<typeof PathBodySchema>;

/** `path` maps each policy path to one body, or to several (the HCL form, or a path repeated). */
const PathMap = z.record(z.string(), z.union([PathBodySchema, z.array(PathBodySchema)]));

export const PolicyDocumentSchema = z.strictObject({
  name: z.string().optional(),
  path: z.union([PathMap, z.array(PathMap)]).optional(),
});
export type PolicyDocument = z.infer<typeof PolicyDocumentSchema>;

/** The JSON Schema of a policy file, for `npm run schemas` (schemas/vault-policy.schema.json). */
export function renderPolicyJsonSchema(): string {
  const schema = z.toJSONSchema(PolicyDocumentSchema, { io: "input", target: "draft-2020-12", unrepresentable: "any" });
  return JSON.stringify(schema, null, 2) + "\n";
}
