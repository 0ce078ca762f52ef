/**
 * The choice of a creation rule for a file (docs/sops-format.md §10), and the keys it gives.
 * Errors are SecretsError kind `config` with the file, line and column (see config-error.ts).
 */
import path from "node:path";
import { SecretsError } from "../errors.js";
import { compileGoRegexp, GoRegexpError } from "../util/go-regexp.js";
import { configError } from "./config-error.js";
import type { LoadedConfig } from "./load.js";
import { byPosition, type ConfigPath, type Pos } from "./positions.js";
import { splitRecipients } from "./recipient.js";
import { encryptionOptionsSet, tooManyEncryptionOptions, YAML11_TRUE, type CreationRule, type EncryptionRuleKind, type KeyGroup } from "./schema.js";

export interface ResolvedRule {
  /** 0-based index of the rule in `creation_rules`. */
  index: number;
  /** Line of the rule in the config file. */
  line: number | undefined;
  pathRegex: string | undefined;
  /** One group for the flat form; `key_groups` replace it. Recipients trimmed and de-duplicated per group. */
  keyGroups: Array<{ age: string[] }>;
  /** As configured (omitted when absent or 0, which means "all groups"). */
  shamirThreshold?: number;
  /** The rule's encryption option; absent means sops' default, `unencrypted_suffix: _unencrypted`. */
  encryptionRule?: { kind: EncryptionRuleKind; value: string };
  macOnlyEncrypted: boolean;
  /** Key types in the effective groups that we keep but cannot encrypt to (`pgp`, `kms`, …), sorted. */
  unsupportedKeyTypes: string[];
}

export interface MatchOptions {
  /**
   * Check that the rule gives keys we can encrypt to (default true): every group has at least one age
   * recipient, and the Shamir threshold fits the groups. Pass false when key flags on the command line
   * replace the rule's keys (sops' precedence); the rule must still match, as in sops.
   */
  requireKeys?: boolean;
  /**
   * Throw when no rule matches (default true, as sops). Pass false when key flags replace the rule's
   * keys: the file is then encrypted with the flags alone and this returns null.
   */
  requireMatch?: boolean;
}

const FLAT_NON_AGE = ["pgp", "kms", "gcp_kms", "azure_keyvault", "hc_vault_transit_uri", "hckms"] as const;
const GROUP_NON_AGE = ["pgp", "kms", "gcp_kms", "azure_keyvault", "hc_vault", "hckms"] as const;

function nonEmpty(v: unknown): boolean {
  if (typeof v === "string") return splitRecipients(v).length > 0;
  if (Array.isArray(v)) return v.length > 0;
  return false;
}

interface GroupKeys {
  age: string[];
  other: Set<string>;
}

function flatGroup(rule: CreationRule): GroupKeys {
  const entries = rule.age == null ? [] : typeof rule.age === "string" ? [rule.age] : rule.age;
  const other = new Set<string>();
  for (const t of FLAT_NON_AGE) if (nonEmpty(rule[t])) other.add(t);
  return { age: dedupe(entries.flatMap(splitRecipients)), other };
}

function groupKeys(group: KeyGroup, depth = 0): GroupKeys {
  if (depth > 50) throw new SecretsError("config", "key_groups merge nesting is too deep");
  const age: string[] = [];
  const other = new Set<string>();
  // As sops' extractMasterKeys: merged groups first, then this group's own keys.
  for (const m of group.merge ?? []) {
    const sub = groupKeys(m, depth + 1);
    age.push(...sub.age);
    sub.other.forEach((t) => other.add(t));
  }
  for (const entry of group.age ?? []) age.push(...splitRecipients(entry));
  for (const t of GROUP_NON_AGE) if (nonEmpty(group[t])) other.add(t);
  return { age: dedupe(age), other };
}

function isTrue(v: unknown): boolean {
  return v === true || (typeof v === "string" && (YAML11_TRUE as readonly string[]).includes(v));
}

function dedupe(list: string[]): string[] {
  return [...new Set(list)];
}

/** The encryption option of a rule; throws when it has more than one (empty strings are "unset", as in sops). */
function encryptionRuleOf(rule: CreationRule, positionOf: (key: string) => Pos | undefined, fail: (at: ConfigPath, msg: string) => never) {
  const set = encryptionOptionsSet(rule);
  if (set.length > 1) {
    const ordered = byPosition(positionOf, set);
    fail([ordered[1]!], tooManyEncryptionOptions(ordered));
  }
  const kind = set[0];
  return kind === undefined ? undefined : { kind, value: rule[kind] as string };
}

/**
 * The creation rule for `filePath` (docs/sops-format.md §10): the path is made absolute, the config directory and a
 * separator are stripped from its front when it lies below it, and the first rule without a
 * `path_regex`, or whose regex matches (RE2, unanchored), wins.
 *
 * Throws SecretsError kind `config` when no rule matches, when the config has no `creation_rules`
 * (sops then treats the config as absent; with `requireKeys: false` this returns null instead), and,
 * unless `requireKeys` is false, when the rule gives no age recipients to encrypt to.
 */
export function matchRule(config: LoadedConfig, configDir: string, filePath: string): ResolvedRule;
export function matchRule(config: LoadedConfig, configDir: string, filePath: string, opts: MatchOptions): ResolvedRule | null;
export function matchRule(config: LoadedConfig, configDir: string, filePath: string, opts: MatchOptions = {}): ResolvedRule | null {
  const requireKeys = opts.requireKeys ?? true;
  const rules = config.data.creation_rules;
  const fail = (at: ConfigPath, message: string): never => {
    throw configError(config.path, config.positionOf(at), message);
  };
  if (rules == null) {
    if (!requireKeys) return null;
    throw configError(config.path, undefined, `no creation_rules, so no keys to encrypt ${filePath} with`);
  }

  const abs = path.resolve(filePath);
  const dir = path.resolve(configDir);
  // sops: strings.TrimPrefix(filePath, configDir + separator).
  const prefix = dir + path.sep;
  const rel = abs.startsWith(prefix) ? abs.slice(prefix.length) : abs;

  let index = -1;
  for (let i = 0; i < rules.length; i++) {
    const regex = rules[i]!.path_regex;
    if (regex == null || regex === "") {
      index = i;
      break;
    }
    let re: RegExp;
    try {
      re = compileGoRegexp(regex);
    } catch (e) {
      const reason = e instanceof GoRegexpError ? e.message : String(e);
      return fail(["creation_rules", i, "path_regex"], `creation_rules[${i}].path_regex: invalid regular expression: ${reason}`);
    }
    if (re.test(rel)) {
      index = i;
      break;
    }
  }
  if (index < 0) {
    if (opts.requireMatch === false) return null;
    const shown = rel === filePath ? `"${filePath}"` : `"${filePath}" (matched as "${rel}")`;
    throw configError(config.path, undefined, `no matching creation rules found for ${shown}`);
  }

  const rule = rules[index]!;
  const at = (...rest: Array<string | number>): ConfigPath => ["creation_rules", index, ...rest];
  const name = `creation_rules[${index}]`;
  const encryptionRule = encryptionRuleOf(
    rule,
    (key) => config.positionOf(at(key)),
    (p, msg) => fail(at(...p), `${name}: ${msg}`),
  );

  const useGroups = (rule.key_groups?.length ?? 0) > 0;
  const groups: GroupKeys[] = useGroups ? rule.key_groups!.map((g) => groupKeys(g)) : [flatGroup(rule)];
  const unsupported = new Set<string>();
  groups.forEach((g) => g.other.forEach((t) => unsupported.add(t)));

  const threshold = rule.shamir_threshold ?? 0;
  if (requireKeys) {
    groups.forEach((g, j) => {
      if (g.age.length > 0) return;
      const where = useGroups ? `${name}.key_groups[${j}]` : name;
      const atPath = useGroups ? at("key_groups", j) : at();
      if (g.other.size > 0) {
        fail(atPath, `${where} has only ${[...g.other].sort().join(", ")} keys; gitops-secrets encrypts to age recipients only, so add an age recipient to it`);
      }
      fail(atPath, `${where} has no keys; add an age recipient to it`);
    });
    if (groups.length >= 2 && threshold !== 0) {
      if (threshold < 2) fail(at("shamir_threshold"), `${name}: shamir_threshold must be at least 2 with ${groups.length} key groups (or 0 for all of them)`);
      if (threshold > groups.length) {
        fail(at("shamir_threshold"), `${name}: shamir_threshold ${threshold} is more than the ${groups.length} key groups`);
      }
    }
  }

  const resolved: ResolvedRule = {
    index,
    line: config.positionOf(at())?.line,
    pathRegex: rule.path_regex || undefined,
    keyGroups: groups.map((g) => ({ age: g.age })),
    macOnlyEncrypted: isTrue(rule.mac_only_encrypted),
    unsupportedKeyTypes: [...unsupported].sort(),
  };
  if (threshold > 0) resolved.shamirThreshold = threshold;
  if (encryptionRule) resolved.encryptionRule = encryptionRule;
  return resolved;
}
