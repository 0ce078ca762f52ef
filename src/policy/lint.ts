import path from "node:path";
import type { LoadedConfig } from "./load.js";
import type { ConfigPath } from "./positions.js";
import { formatPath } from "./config-error.js";
import { shortRecipient, splitRecipients } from "./recipient.js";
import { compileGoRegexp } from "../util/go-regexp.js";
import { KNOWN_KEYS, type KeyGroup } from "./schema.js";

/**
 * Checks of a `.sops.yaml` that go beyond its schema, for `secrets verify`: problems sops accepts but
 * that make the policy say something other than what its author meant.
 *
 * - `unnamed-recipient`: a rule lists a recipient that no anchor names, so reviews and reports can
 *   only show a key, not a person (the convention is `keys: [&alice age1…]` and `*alice` in rules);
 * - `shadowed-rule`: an earlier rule takes every file this rule would match (or an earlier rule has
 *   no path_regex and takes everything), so this rule never applies;
 * - `unused-rule`: the rule matches none of the repository's files.
 *
 * The file list comes from the caller (this module knows nothing of git): paths relative to the
 * config directory, `/`-separated.
 */

export type LintCode = "unnamed-recipient" | "shadowed-rule" | "unused-rule";

export interface LintFinding {
  code: LintCode;
  /** Where, as a config path (`creation_rules[2].key_groups[0].age[1]`). */
  at: string;
  line: number | undefined;
  message: string;
}

/** Every age recipient a rule lists, with the config path of the entry that holds it. */
export function ruleAgeEntries(rule: Record<string, unknown>, base: ConfigPath): Array<{ at: ConfigPath; recipient: string }> {
  const out: Array<{ at: ConfigPath; recipient: string }> = [];
  const fromValue = (v: unknown, at: ConfigPath) => {
    if (typeof v === "string") for (const r of splitRecipients(v)) out.push({ at, recipient: r });
    else if (Array.isArray(v)) v.forEach((e, k) => typeof e === "string" && splitRecipients(e).forEach((r) => out.push({ at: [...at, k], recipient: r })));
  };
  const group = (g: KeyGroup, at: ConfigPath, depth: number) => {
    if (depth > 50) return;
    g.merge?.forEach((m, k) => group(m, [...at, "merge", k], depth + 1));
    fromValue(g.age, [...at, "age"]);
  };
  const groups = rule.key_groups as KeyGroup[] | null | undefined;
  if (groups && groups.length > 0) groups.forEach((g, j) => group(g, [...base, "key_groups", j], 0));
  else fromValue(rule.age, [...base, "age"]);
  return out;
}

export function lintPolicy(config: LoadedConfig, files: readonly string[]): LintFinding[] {
  const findings: LintFinding[] = [];
  const rules = config.data.creation_rules ?? [];
  const line = (at: ConfigPath) => config.positionOf(at)?.line;
  const add = (code: LintCode, at: ConfigPath, message: string) => findings.push({ code, at: formatPath(at), line: line(at), message });

  rules.forEach((rule, i) => {
    const seen = new Set<string>();
    for (const e of ruleAgeEntries(rule, ["creation_rules", i])) {
      if (config.recipientNames.has(e.recipient) || seen.has(e.recipient)) continue;
      seen.add(e.recipient);
      add("unnamed-recipient", e.at, `recipient ${shortRecipient(e.recipient)} has no name: declare it under keys: as - &name ${shortRecipient(e.recipient)} and use *name`);
    }
  });

  const regexes = rules.map((r) => (r.path_regex == null || r.path_regex === "" ? null : compileGoRegexp(r.path_regex)));
  const candidates = files.filter((f) => f !== ".sops.yaml" && !f.endsWith("/.sops.yaml")).map((f) => f.split("/").join(path.sep));
  const matching = regexes.map((re) => candidates.filter((f) => re === null || re.test(f)));
  const catchAll = regexes.findIndex((re) => re === null);
  rules.forEach((_rule, i) => {
    const at: ConfigPath = ["creation_rules", i];
    if (catchAll >= 0 && catchAll < i) {
      add("shadowed-rule", at, `never applies: creation_rules[${catchAll}] has no path_regex and matches every file first`);
      return;
    }
    const own = matching[i]!;
    if (own.length === 0) {
      add("unused-rule", at, "matches no file in the repository");
      return;
    }
    const takenBy = new Set<number>();
    const free = own.filter((f) => {
      for (let j = 0; j < i; j++) {
        const re = regexes[j];
        if (re === null || re!.test(f)) {
          takenBy.add(j);
          return false;
        }
      }
      return true;
    });
    if (free.length === 0) {
      const by = [...takenBy].map((j) => `creation_rules[${j}]`).join(", ");
      add("shadowed-rule", at, `never applies: every file it matches (${own.length}) is matched first by ${by}`);
    }
  });
  return findings.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}

// ---------------------------------------------------------------------------------------------
// Keys sops ignores

/**
 * What sops silently ignores but almost always means the policy is not what its author wrote: keys it
 * does not know (`creation_rule:` for `creation_rules:`, `path_regexp:`), and a config without any
 * creation rule (then no file is a secret file, and `verify` would pass on checking nothing). `verify`
 * treats these as errors; every other command passes them on as warnings (sops accepts the file).
 */
export type ConfigCheckCode = "unknown-key" | "no-rules";

export interface ConfigFinding {
  code: ConfigCheckCode;
  /** Where, as a config path (`creation_rules[0].path_regexp`). */
  at: string;
  line: number | undefined;
  message: string;
}

const ALL_KNOWN_KEYS = [...new Set<string>([...KNOWN_KEYS.top, ...KNOWN_KEYS.rule, ...KNOWN_KEYS.group, ...KNOWN_KEYS.stores, ...KNOWN_KEYS.indentStore])];

/** Levenshtein distance, stopping early once it exceeds `max` (keys are short). */
function distance(a: string, b: string, max: number): number {
  if (Math.abs(a.length - b.length) > max) return max + 1;
  let prev = Array.from({ length: b.length + 1 }, (_, j) => j);
  for (let i = 1; i <= a.length; i++) {
    const cur = [i];
    for (let j = 1; j <= b.length; j++) cur[j] = Math.min(prev[j]! + 1, cur[j - 1]! + 1, prev[j - 1]! + (a[i - 1] === b[j - 1] ? 0 : 1));
    prev = cur;
  }
  return prev[b.length]!;
}

/** The known key an unknown one is probably a typo of, if any is close enough. */
function suggestionFor(key: string): string | undefined {
  const k = key.toLowerCase();
  let best: { key: string; d: number } | undefined;
  for (const known of ALL_KNOWN_KEYS) {
    const d = distance(k, known, 2);
    if (d <= 2 && (!best || d < best.d)) best = { key: known, d };
  }
  return best?.key;
}

/** The last key of a formatted config path (`creation_rules[0].path_regexp` → `path_regexp`). */
function lastKey(at: string): string {
  const m = /(?:^|\.)([^.[\]]*)$/.exec(at);
  return m ? m[1]! : at;
}

export function checkConfigKeys(config: LoadedConfig): ConfigFinding[] {
  const out: ConfigFinding[] = config.unknownKeys.map((u) => {
    const hint = suggestionFor(lastKey(u.path));
    return { code: "unknown-key", at: u.path, line: u.line, message: `unknown key, ignored by sops${hint ? ` (did you mean ${hint}?)` : ""}` };
  });
  const rules = config.data.creation_rules;
  if (!rules || rules.length === 0) {
    out.push({ code: "no-rules", at: "creation_rules", line: rules ? config.positionOf(["creation_rules"])?.line : undefined, message: "no creation rules: no file is a secret file, so nothing is checked or can be encrypted" });
  }
  return out.sort((a, b) => (a.line ?? Infinity) - (b.line ?? Infinity));
}
