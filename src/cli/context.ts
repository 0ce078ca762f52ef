import { readFileSync } from "node:fs";
import { SecretsError } from "../errors.js";
import type { Recipients } from "../sops/document.js";
import type { KeySource } from "../sops/keysource.js";
import type { EncryptionRule, EncryptionRuleKind } from "../sops/metadata.js";
import type { Format } from "../sops/stores/store.js";
import type { LoadedConfig } from "../policy/load.js";

/**
 * What commands share per process: the `.sops.yaml` (found like sops, from the working directory,
 * loaded at most once and only when a command needs it) and the key source (identities loaded at
 * most once, lazily).
 */

let configOverride: string | undefined;
let configCache: { path: string | null; config?: LoadedConfig } | undefined;
let keySource: Promise<KeySource> | undefined;

export function setConfigOverride(path: string | undefined): void {
  configOverride = path;
  configCache = undefined;
}

async function configPath(): Promise<string | null> {
  if (!configCache) {
    const { findConfig } = await import("../policy/discover.js");
    configCache = { path: findConfig(process.cwd(), process.env, configOverride) };
  }
  return configCache.path;
}

/**
 * The loaded `.sops.yaml`, or null when there is none. Throws kind `config` when it is invalid. Keys
 * sops ignores and a config without rules are warned about on stderr when it is first loaded, unless
 * `quiet` (verify reports them as errors itself).
 */
export async function getConfig(opts: { quiet?: boolean } = {}): Promise<LoadedConfig | null> {
  const path = await configPath();
  if (!path) return null;
  if (!configCache!.config) {
    const [{ loadConfig }, { checkConfigKeys }, { info }] = await Promise.all([import("../policy/load.js"), import("../policy/lint.js"), import("./io.js")]);
    const config = loadConfig(path);
    configCache!.config = config;
    if (!opts.quiet) for (const f of checkConfigKeys(config)) info(`secrets: warning: ${config.path}${f.line ? `:${f.line}` : ""}: ${f.at}: ${f.message}`);
  }
  return configCache!.config;
}

/**
 * The output indent for a format from `.sops.yaml` `stores` (undefined: the store's default). The
 * config is only parsed when it has a `stores` section: decrypting must not pay for parsing and
 * validating the policy (it needs no rule).
 */
export async function indentFor(format: Format): Promise<number | undefined> {
  if (format !== "yaml" && format !== "json" && format !== "binary") return undefined;
  const path = await configPath();
  if (!path) return undefined;
  let text: string;
  try {
    text = readFileSync(path, "utf8");
  } catch {
    return undefined;
  }
  if (!/^stores\s*:/m.test(text)) return undefined;
  const { storeIndent } = await import("../policy/stores.js");
  return storeIndent(await getConfig(), format === "binary" ? "json_binary" : format);
}

export interface CreationFlags {
  age?: string;
  config?: string;
  unencryptedSuffix?: string;
  encryptedSuffix?: string;
  unencryptedRegex?: string;
  encryptedRegex?: string;
  macOnlyEncrypted?: boolean;
}

export interface Creation {
  recipients: Recipients;
  encryptionRule?: EncryptionRule;
  macOnlyEncrypted: boolean;
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
 * How a new file at `filePath` is encrypted, with sops' precedence: key flags (`--age`, or
 * `SOPS_AGE_RECIPIENTS`) replace the rule's keys entirely; rule flags override the rule's option.
 * Without key flags, a `.sops.yaml` rule must match the path.
 */
export async function creationFor(filePath: string, flags: CreationFlags): Promise<Creation> {
  if (flags.config) setConfigOverride(flags.config);
  const chosen = flagRules.filter(([f]) => flags[f] !== undefined && flags[f] !== "");
  if (chosen.length > 1) throw new SecretsError("conflict", "use only one of --unencrypted-suffix, --encrypted-suffix, --unencrypted-regex, --encrypted-regex");
  const flagAge = flags.age ?? process.env.SOPS_AGE_RECIPIENTS;

  const config = await getConfig();
  let rule = null;
  if (config) {
    const { matchRule } = await import("../policy/match.js");
    // Explicit recipients replace the rule's keys, so they need no matching rule (sops insists on
    // one; here `--age` works in any directory of a repo that has a .sops.yaml).
    rule = matchRule(config, config.dir, filePath, { requireKeys: flagAge === undefined, requireMatch: flagAge === undefined });
  } else if (flagAge === undefined) {
    throw new SecretsError("config", "no .sops.yaml found and no --age recipients given (run `secrets init`, or pass --age age1…)");
  }

  const recipients: Recipients = flagAge !== undefined
    ? { groups: [splitList(flagAge)] }
    : { groups: rule!.keyGroups.map((g) => g.age), shamirThreshold: rule!.shamirThreshold };
  const flagRule = chosen[0];
  const encryptionRule: EncryptionRule | undefined = flagRule
    ? { kind: flagRule[1], value: String(flags[flagRule[0]]) }
    : rule?.encryptionRule;
  return { recipients, encryptionRule, macOnlyEncrypted: !!flags.macOnlyEncrypted || !!rule?.macOnlyEncrypted };
}

/** The key source built from the environment (identities are looked up on first use). */
export function getKeySource(): Promise<KeySource> {
  keySource ??= import("../keys/source.js").then((m) => m.createKeySource({ env: process.env }));
  return keySource;
}
