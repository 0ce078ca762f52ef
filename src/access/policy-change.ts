import { readFile } from "node:fs/promises";
import path from "node:path";
import { SecretsError } from "../errors.js";
import { writeFileAtomic } from "../io/atomic.js";
import type { LoadedConfig } from "../policy/load.js";
import { grantInPolicy, revokeInPolicy, type GrantEdit, type GrantInput, type PolicyEdit, type RevokeEdit } from "../policy/edit.js";
import type { KeySource } from "../sops/keysource.js";
import { commitPaths } from "../git/commit.js";
import { workTreeTop } from "../git/repo.js";
import { repoFiles, type SkippedLink } from "./inventory.js";
import { Namer } from "./recipients.js";
import { planRepository } from "./repository-plan.js";
import { isPolicyFile, RuleBook } from "./rules.js";
import { applyPlans, type FilePlan } from "./update.js";

/**
 * `access grant` and `access revoke`: an edit of the `.sops.yaml` text, planned with every file it
 * makes drift (all prepared before anything is written), then applied: the policy, the files, and
 * optionally one commit of all of it.
 */

/** The `.sops.yaml` text, as edits start from it. */
export async function readPolicyText(config: LoadedConfig): Promise<string> {
  try {
    return await readFile(config.path, "utf8");
  } catch (e) {
    throw new SecretsError("config", `${config.path}: cannot read the file (${(e as NodeJS.ErrnoException).code ?? "error"})`, { cause: e });
  }
}

/**
 * The grant of `input.name` as an edit of the policy. Refuses (kind `usage`) a new rule for files an
 * existing rule covers: they would either be taken from it (losing every other reader) or stay with
 * it (the grant would do nothing). `changed` is false when the recipient can already read them.
 */
export async function grantEdit(config: LoadedConfig, input: GrantInput): Promise<GrantEdit> {
  const edit = grantInPolicy(config, await readPolicyText(config), input);
  if (!edit.changed || !edit.newRule) return edit;
  const files = await repoFiles(config.dir);
  const before = new RuleBook(config);
  const after = new RuleBook(edit.config);
  const covered = files.filter((f) => !isPolicyFile(f) && after.ruleMatches(edit.rule, f) && before.indexFor(f) >= 0);
  if (covered.length) {
    const by = [...new Set(covered.map((f) => before.indexFor(f)))].sort((a, b) => a - b).map((i) => `creation_rules[${i}]`).join(", ");
    throw new SecretsError(
      "usage",
      `no rule has path_regex ${JSON.stringify(input.pathRegex)}, and ${covered.length} file(s) it matches are covered by ${by}; grant with that rule's path_regex instead`,
    );
  }
  return edit;
}

/** The revoke of a name or recipient as an edit of the policy. */
export async function revokeEdit(config: LoadedConfig, nameOrRecipient: string): Promise<RevokeEdit> {
  return revokeInPolicy(config, await readPolicyText(config), nameOrRecipient);
}

export interface PolicyChangeOptions {
  /** Commit the policy and every re-encrypted file in one git commit. */
  commit?: boolean | undefined;
  /** Only write the policy (someone with a key applies it later with `updatekeys --all`). */
  policyOnly?: boolean | undefined;
}

export interface PolicyChangePlan {
  old: LoadedConfig;
  edit: PolicyEdit;
  /** The files re-encrypted for the new policy (none with `policyOnly`). */
  plans: FilePlan[];
  /** Symbolic links the new policy's rules cover, left alone. */
  skippedLinks: SkippedLink[];
  /** Names recipients from the new policy, and from the old one for those it drops. */
  namer: Namer;
  /** The work tree to commit in, when committing. */
  commitIn: string | null;
}

/** Plans a policy edit: nothing is written. Rejects before anything is prepared when `commit` has no git repository. */
export async function planPolicyChange(old: LoadedConfig, edit: PolicyEdit, keys: KeySource, opts: PolicyChangeOptions): Promise<PolicyChangePlan> {
  const commitIn = opts.commit ? await workTreeTop(old.dir) : null;
  if (opts.commit && !commitIn) throw new SecretsError("usage", "--commit needs a git repository");
  const repo = opts.policyOnly ? null : await planRepository(edit.config, keys, { ignoreMac: false });
  return { old, edit, plans: repo?.plans ?? [], skippedLinks: repo?.skippedLinks ?? [], namer: new Namer(edit.config, old), commitIn };
}

/**
 * Applies a planned policy change; resolves with the commit made, if any. The policy is written
 * first: if writing the files is interrupted, `updatekeys --all` finishes the job from the new
 * policy (the other order would let it undo a revoke).
 */
export async function applyPolicyChange(plan: PolicyChangePlan, message: string): Promise<{ commit: string | null }> {
  await writeFileAtomic(plan.old.path, plan.edit.text);
  await applyPlans(plan.plans);
  if (!plan.commitIn) return { commit: null };
  const top = plan.commitIn;
  const paths = [plan.old.path, ...plan.plans.map((p) => p.abs)].map((p) => path.relative(top, path.resolve(p)));
  return { commit: await commitPaths(top, paths, message) };
}
