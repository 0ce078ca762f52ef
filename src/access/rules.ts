import path from "node:path";
import type { LoadedConfig } from "../policy/load.js";
import { matchRule, type ResolvedRule } from "../policy/match.js";
import { compileGoRegexp } from "../util/go-regexp.js";
import type { Recipients } from "../sops/document.js";

/**
 * Which creation rule covers which file, for many files at once. Paths are relative to the
 * `.sops.yaml` directory and `/`-separated, as the rules see them (docs/sops-format.md §10).
 *
 * Each rule is resolved once (through `matchRule`, so the rule's keys mean exactly what they mean
 * for `encrypt`); a file is then only tested against the compiled regexes.
 */
export class RuleBook {
  private readonly regexes: Array<RegExp | null>;
  private readonly resolved = new Map<number, ResolvedRule>();

  constructor(readonly config: LoadedConfig) {
    const rules = config.data.creation_rules ?? [];
    this.regexes = rules.map((r) => (r.path_regex == null || r.path_regex === "" ? null : compileGoRegexp(r.path_regex)));
  }

  get ruleCount(): number {
    return this.regexes.length;
  }

  /** Index of the first rule matching `rel`, or -1. */
  indexFor(rel: string): number {
    const p = rel.split("/").join(path.sep);
    for (let i = 0; i < this.regexes.length; i++) {
      const re = this.regexes[i];
      if (re === null || re === undefined || re.test(p)) return i;
    }
    return -1;
  }

  /** Whether rule `index`'s own regex matches `rel` (ignoring earlier rules). */
  ruleMatches(index: number, rel: string): boolean {
    const re = this.regexes[index];
    return re === null || (re !== undefined && re.test(rel.split("/").join(path.sep)));
  }

  /** The resolved rule at `index`, matched through `matchRule` with a file it covers. */
  rule(index: number, rel: string): ResolvedRule {
    let r = this.resolved.get(index);
    if (!r) {
      r = matchRule(this.config, this.config.dir, path.join(this.config.dir, rel), { requireKeys: false })!;
      this.resolved.set(index, r);
    }
    return r;
  }

  /** The recipients the policy says a covered file should have, or null when no rule covers it. */
  expected(rel: string): { index: number; recipients: Recipients } | null {
    const index = this.indexFor(rel);
    if (index < 0) return null;
    const r = this.rule(index, rel);
    return { index, recipients: { groups: r.keyGroups.map((g) => g.age), shamirThreshold: r.shamirThreshold ?? 0 } };
  }
}

/** Whether a path is a policy file (`.sops.yaml`, the config's own or a nested one): never a secret file. */
export function isPolicyFile(rel: string): boolean {
  return rel === ".sops.yaml" || rel.endsWith("/.sops.yaml");
}
