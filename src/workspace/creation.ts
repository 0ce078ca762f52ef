import { SecretsError } from "../errors.js";
import type { LoadedConfig } from "../policy/load.js";
import { matchRule, type ResolvedRule } from "../policy/match.js";
import type { Recipients } from "../sops/document.js";
import type { EncryptionRule, EncryptionRuleKind } from "../sops/metadata.js";
import type { Format } from "../sops/stores/store.js";

/**
 * How a new secret file is encrypted: its recipients and encryption rule, from the `.sops.yaml`
 * creation rule for its path and the flags that override it, with sops' precedence.
 */

/** What a new file is encrypted with. */
export interface Creation {
  recipients: Recipients;
  encryptionRule?: EncryptionRule;
  macOnlyEncrypted: boolean;
}

/** The command-line overrides of a creation rule (sops' flags); all optional. */
export interface CreationFlags {
  /** Comma-separated age recipients: replace the rule's keys entirely. */
  age?: string;
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
  macOnlyEncrypted?: boolean;
}

/**
 * What creating a file needs from a policy (the SecretRepository and the import take one): how a
 * new file at a path is encrypted, and the output indent for a format (undefined: the store's default).
 */
export interface CreationPolicy {
  creationFor(filePath: string): Promise<Creation>;
  indentFor(format: Format): Promise<number | undefined>;
}

const flagRules: Array<[keyof CreationFlags, EncryptionRuleKind]> = [
  ["unencryptedSuffix", "unencrypted_suffix"],
  ["encryptedSuffix", "encrypted_suffix"],
  ["unencryptedRegex", "unencrypted_regex"],
  ["encryptedRegex", "encrypted_regex"],
];

function splitList(s: string): string[] {
  return s.split(",").map((x) => x.trim()).filter(Boolean);
}

/**
 * Resolves the creation of `filePath` under `config` (null: no `.sops.yaml` was found from
 * `searchedFrom`). Key flags replace the rule's keys entirely, and then no rule needs to match
 * (sops insists on one; here `--age` works in any directory of a repository with a `.sops.yaml`);
 * a rule flag overrides the rule's option. Throws kind `conflict` for two rule flags, kind `config`
 * when nothing says whom to encrypt to.
 */
export function resolveCreation(config: LoadedConfig | null, searchedFrom: string, filePath: string, flags: CreationFlags): Creation {
  const chosen = flagRules.filter(([f]) => flags[f] !== undefined && flags[f] !== "");
  if (chosen.length > 1) throw new SecretsError("conflict", "use only one of --unencrypted-suffix, --encrypted-suffix, --unencrypted-regex, --encrypted-regex");
  const flagAge = flags.age;
  let rule: ResolvedRule | null = null;
  if (config) {
    rule = matchRule(config, config.dir, filePath, { requireKeys: flagAge === undefined, requireMatch: flagAge === undefined });
  } else if (flagAge === undefined) {
    throw new SecretsError("config", `no .sops.yaml found from ${searchedFrom} and no --age recipients given: cannot tell whom to encrypt a new file to (run \`secrets init\`, or pass --age age1…)`);
  }
  const recipients: Recipients = flagAge !== undefined
    ? { groups: [splitList(flagAge)] }
    : { groups: rule!.keyGroups.map((g) => g.age), shamirThreshold: rule!.shamirThreshold };
  const flagRule = chosen[0];
  const encryptionRule: EncryptionRule | undefined = flagRule
    ? { kind: flagRule[1], value: String(flags[flagRule[0]]) }
    : rule?.encryptionRule;
  const out: Creation = { recipients, macOnlyEncrypted: !!flags.macOnlyEncrypted || !!rule?.macOnlyEncrypted };
  if (encryptionRule) out.encryptionRule = encryptionRule;
  return out;
}
