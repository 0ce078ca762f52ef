import { catFileBatch, git } from "./exec.js";

/**
 * Which `.sops.yaml` a merge in progress produces, for the merge driver's "recipients differ"
 * check. While git runs a merge driver the work tree still holds our `.sops.yaml` (git writes the
 * merged tree after every file is merged), so comparing with it warns after every clean merge of a
 * branch that granted or revoked access: that branch changed the policy and its files together.
 *
 * `git merge` names the commit being merged in the driver's environment, as `GITHEAD_<sha>` (the
 * labels of its merge machinery). From it: the policy at HEAD, at that commit and at their merge
 * base. Changed on one side only, the merge is that side's text. Changed on both sides, git's own
 * text merge decides it later, so both texts are returned and the caller warns only when neither
 * matches. With no `GITHEAD_` variable (a rebase, a cherry-pick, a driver run by hand) the answer is
 * null: the caller uses the work tree's policy, as before.
 */

/** The candidate policy texts of the merge result (one when known); null when this is not a `git merge`. */
export async function mergedPolicyTexts(top: string, configRel: string, env: NodeJS.ProcessEnv): Promise<Array<string | null> | null> {
  const theirs = theirCommit(env);
  if (!theirs || configRel.includes("\n")) return null;
  const base = await git(["merge-base", "HEAD", theirs], { cwd: top, okCodes: [0, 1, 128] });
  const baseId = base.code === 0 ? base.stdout.toString("utf8").trim() : null;
  const names = [`HEAD:${configRel}`, `${theirs}:${configRel}`, ...(baseId ? [`${baseId}:${configRel}`] : [])];
  const [o, t, b] = (await catFileBatch(names, { cwd: top })).map((x) => (x ? x.toString("utf8") : null));
  const ours = o ?? null;
  const their = t ?? null;
  const common = baseId ? (b ?? null) : undefined;
  if (ours === their) return [ours];
  if (common !== undefined && common === ours) return [their];
  if (common !== undefined && common === their) return [ours];
  return [ours, their];
}

/** The commit `git merge` is merging, from its `GITHEAD_<sha>` variable; null with none or several (an octopus). */
function theirCommit(env: NodeJS.ProcessEnv): string | null {
  const ids = Object.keys(env)
    .map((k) => /^GITHEAD_([0-9a-f]{40}|[0-9a-f]{64})$/.exec(k)?.[1])
    .filter((x): x is string => x !== undefined);
  return ids.length === 1 ? ids[0]! : null;
}
