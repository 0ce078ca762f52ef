import path from "node:path";
import type { ConfigPath, LoadedConfig } from "./config.js";
import { formatPath } from "./config.js";
import { shortRecipient, splitRecipients } from "./recipient.js";
import { compileGoRegexp } from "../util/go-regexp.js";
import type { KeyGroup } from "./schema.js";

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
    for (const e of ruleAgeEntries(rule as Record<string, unknown>, ["creation_rules", i])) {
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
