/**
 * The zod schema of `.sops.yaml` (sops 3.13.2 `config/config.go`, docs/sops-format.md §10).
 *
 * Every object is loose: keys sops does not know are kept in the parsed value and ignored, as sops
 * ignores them (load.ts lists them for a warning). Every optional field also accepts `null`, which is
 * what an empty YAML value (`age:`) is, and which go-yaml decodes as "absent".
 *
 * The schema only validates, it never transforms, so that `z.toJSONSchema` can describe it and
 * `scripts/gen-schemas.mjs` can write `schemas/sops-config.schema.json` from it.
 *
 * Where we are stricter than sops (documented, all of it about inputs that would fail later in sops or
 * silently do the wrong thing):
 * - age recipients are checked (bech32 charset, checksum, payload length) when the config is loaded;
 * - `path_regex` and the `*_regex` options must compile (RE2 syntax, see regex.ts);
 * - a rule with more than one of the six encryption options is rejected at load time, not only when it
 *   is the matching rule;
 * - `shamir_threshold` must be an integer in 0..255, indents integers (YAML >= 0, JSON >= -1);
 * - a string field given a number (`path_regex: 2024`) is a type error (go-yaml would stringify it).
 */
import { z } from "zod";
import { encryptionRuleKinds, type EncryptionRuleKind } from "../sops/metadata.js";
import { goRegexpProblem } from "../util/go-regexp.js";
import { checkRecipient, quotedCandidate, splitRecipients } from "./recipient.js";

/** The six options choosing which values are encrypted (docs/sops-format.md §4); defined with the format. */
export const ENCRYPTION_OPTIONS = encryptionRuleKinds;
export type { EncryptionRuleKind };

/** The encryption options a rule sets (empty strings are unset, as in sops). */
export function encryptionOptionsSet(rule: Record<string, unknown>): EncryptionRuleKind[] {
  return ENCRYPTION_OPTIONS.filter((k) => typeof rule[k] === "string" && rule[k] !== "");
}

export function tooManyEncryptionOptions(set: readonly string[]): string {
  return `a creation rule may use only one of ${ENCRYPTION_OPTIONS.join(", ")}; this one has ${set.join(" and ")}`;
}

/** An `age` entry: one recipient or several separated by commas (sops splits every entry on commas). */
const AgeRecipients = z
  .string()
  .superRefine((value, ctx) => {
    for (const recipient of splitRecipients(value)) {
      const check = checkRecipient(recipient);
      if (!check.ok) {
        ctx.addIssue({ code: "custom", message: `invalid age recipient${quotedCandidate(recipient)}: ${check.reason}` });
      }
    }
  })
  .describe("An age recipient (age1…, age1pq1…, a plugin recipient, or an ssh-ed25519/ssh-rsa public key), or several separated by commas.");

/** A Go RE2 regular expression; checked by compiling it. The empty string means "not set", as in sops. */
const GoRegexp = z
  .string()
  .superRefine((value, ctx) => {
    if (value === "") return;
    const problem = goRegexpProblem(value);
    if (problem !== undefined) ctx.addIssue({ code: "custom", message: `invalid regular expression: ${problem}` });
  })
  .describe("A Go RE2 regular expression, matched unanchored (write ^…$ yourself).");

/** YAML 1.1 booleans that go-yaml v3 still accepts when decoding into a Go bool. */
export const YAML11_TRUE = ["y", "Y", "yes", "Yes", "YES", "on", "On", "ON"] as const;
const YAML11_BOOLS = [...YAML11_TRUE, "n", "N", "no", "No", "NO", "off", "Off", "OFF"] as const;

const KEY_LIST_ERROR = "expected a comma-separated string or a list of strings";

/** A creation-rule key field: a comma-separated string or (sops >= 3.11) a list. */
function keyList(description: string) {
  return z.union([z.string(), z.array(z.string())], { error: KEY_LIST_ERROR }).nullish().describe(description);
}

const KmsKey = z.looseObject({
  arn: z.string(),
  role: z.string().nullish(),
  context: z.record(z.string(), z.string().nullable()).nullish(),
  aws_profile: z.string().nullish(),
});

const GcpKmsKey = z.looseObject({ resource_id: z.string() });

const AzureKeyVaultKey = z.looseObject({
  vaultUrl: z.string(),
  key: z.string(),
  version: z.string().nullish(),
});

const HckmsKey = z.looseObject({ key_id: z.string() });

export interface KeyGroupInput {
  merge?: KeyGroupInput[] | null | undefined;
  age?: string[] | null | undefined;
  pgp?: string[] | null | undefined;
  kms?: Array<z.infer<typeof KmsKey>> | null | undefined;
  gcp_kms?: Array<z.infer<typeof GcpKmsKey>> | null | undefined;
  azure_keyvault?: Array<z.infer<typeof AzureKeyVaultKey>> | null | undefined;
  hc_vault?: string[] | null | undefined;
  hckms?: Array<z.infer<typeof HckmsKey>> | null | undefined;
  [unknown: string]: unknown;
}

export const KeyGroupSchema: z.ZodType<KeyGroupInput> = z
  .looseObject({
    get merge(): z.ZodOptional<z.ZodNullable<z.ZodArray<z.ZodType<KeyGroupInput>>>> {
      return z
        .array(KeyGroupSchema)
        .nullish()
        .describe("Key groups whose keys are added to this one (before its own keys); handy with YAML anchors.");
    },
    age: z.array(AgeRecipients).nullish().describe("age recipients of this group."),
    pgp: z.array(z.string()).nullish().describe("PGP fingerprints (kept, not used by gitops-secrets)."),
    kms: z.array(KmsKey).nullish().describe("AWS KMS keys (kept, not used by gitops-secrets)."),
    gcp_kms: z.array(GcpKmsKey).nullish().describe("GCP KMS keys (kept, not used by gitops-secrets)."),
    azure_keyvault: z.array(AzureKeyVaultKey).nullish().describe("Azure Key Vault keys (kept, not used by gitops-secrets)."),
    hc_vault: z.array(z.string()).nullish().describe("HashiCorp Vault transit URIs (kept, not used by gitops-secrets)."),
    hckms: z.array(HckmsKey).nullish().describe("HuaweiCloud KMS keys (kept, not used by gitops-secrets)."),
  })
  .meta({ id: "SopsKeyGroup", description: "One key group. Each key of a group can open that group's share of the data key." });

export const CreationRuleSchema = z
  .looseObject({
    path_regex: GoRegexp.nullish().describe(
      "RE2 regex matched (unanchored) against the file path relative to the .sops.yaml directory. A rule without it matches every file.",
    ),
    age: z
      .union([AgeRecipients, z.array(AgeRecipients)], { error: KEY_LIST_ERROR })
      .nullish()
      .describe("age recipients: a comma-separated string or a list. Ignored when key_groups is set."),
    pgp: keyList("PGP fingerprints (kept, not used by gitops-secrets)."),
    kms: keyList("AWS KMS ARNs (kept, not used by gitops-secrets)."),
    aws_profile: z.string().nullish(),
    gcp_kms: keyList("GCP KMS resource IDs (kept, not used by gitops-secrets)."),
    azure_keyvault: keyList("Azure Key Vault key URLs (kept, not used by gitops-secrets)."),
    hc_vault_transit_uri: keyList("HashiCorp Vault transit URIs (kept, not used by gitops-secrets)."),
    hckms: z.array(z.string()).nullish().describe("HuaweiCloud KMS key IDs (kept, not used by gitops-secrets)."),
    key_groups: z
      .array(KeyGroupSchema)
      .nullish()
      .describe("Key groups; when non-empty they replace the flat key lists. Two or more groups split the data key with Shamir."),
    shamir_threshold: z
      .int()
      .min(0)
      .max(255)
      .nullish()
      .describe("How many key groups are needed to decrypt; 0 or absent means all of them."),
    unencrypted_suffix: z.string().nullish().describe("Keys ending with this suffix (and everything below them) stay in clear."),
    encrypted_suffix: z.string().nullish().describe("Only keys ending with this suffix (and everything below them) are encrypted."),
    unencrypted_regex: GoRegexp.nullish().describe("Keys matching this regex (and everything below them) stay in clear."),
    encrypted_regex: GoRegexp.nullish().describe("Only keys matching this regex (and everything below them) are encrypted."),
    unencrypted_comment_regex: GoRegexp.nullish().describe("Values after a comment matching this regex stay in clear."),
    encrypted_comment_regex: GoRegexp.nullish().describe("Only values after a comment matching this regex are encrypted."),
    mac_only_encrypted: z
      .union([z.boolean(), z.enum(YAML11_BOOLS)], { error: "expected true or false" })
      .nullish()
      .describe("Compute the MAC over the encrypted values only. go-yaml also reads yes/no/on/off (YAML 1.1) here."),
  })
  .superRefine((rule, ctx) => {
    const set = encryptionOptionsSet(rule);
    if (set.length > 1) {
      // load.ts re-orders `encryptionOptions` by position in the file for its message.
      ctx.addIssue({ code: "custom", path: [set[1]!], message: tooManyEncryptionOptions(set), params: { encryptionOptions: set } });
    }
  })
  .meta({ id: "SopsCreationRule", description: "A creation rule. The first rule whose path_regex matches (or that has none) is used." });

const YamlStore = z.looseObject({
  indent: z.int().min(0).nullish().describe("Spaces per level in encrypted YAML files (default 4; go-yaml uses 2 for 1 or more than 9)."),
});
const JsonStore = z.looseObject({
  indent: z.int().min(-1).nullish().describe("Spaces per level in encrypted JSON files; -1 (the default) means one tab."),
});

export const StoresSchema = z.looseObject({
  yaml: YamlStore.nullish(),
  json: JsonStore.nullish(),
  json_binary: JsonStore.nullish().describe("Options of the JSON written for binary files."),
  dotenv: z.looseObject({}).nullish(),
  ini: z.looseObject({}).nullish(),
});

export const SopsConfigSchema = z
  .looseObject({
    keys: z
      .unknown()
      .optional()
      .describe("Ignored by sops. By convention a list of recipients named with YAML anchors (- &alice age1…) that rules refer to as *alice."),
    creation_rules: z.array(CreationRuleSchema).nullish().describe("Creation rules, scanned in order; the first match wins."),
    destination_rules: z.array(z.unknown()).nullish().describe("Used by `sops publish` only; accepted and ignored."),
    stores: StoresSchema.nullish(),
  })
  .meta({
    title: "SOPS configuration (.sops.yaml)",
    description: "The .sops.yaml file read by sops 3.13 and gitops-secrets. Unknown keys are ignored.",
  });

export type SopsConfig = z.infer<typeof SopsConfigSchema>;
export type CreationRule = z.infer<typeof CreationRuleSchema>;
export type KeyGroup = KeyGroupInput;

/** The names of the known keys at each level, for the unknown-key list. */
export const KNOWN_KEYS = {
  top: Object.keys(SopsConfigSchema.shape),
  rule: Object.keys(CreationRuleSchema.shape),
  group: ["merge", "age", "pgp", "kms", "gcp_kms", "azure_keyvault", "hc_vault", "hckms"],
  stores: Object.keys(StoresSchema.shape),
  indentStore: ["indent"],
} as const;

/** The JSON Schema of `.sops.yaml`, as committed in `schemas/sops-config.schema.json`. */
export function renderJsonSchema(): string {
  const schema = z.toJSONSchema(SopsConfigSchema, { io: "input", target: "draft-2020-12", unrepresentable: "any" });
  return JSON.stringify(schema, null, 2) + "\n";
}
