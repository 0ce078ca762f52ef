import * as core from "@actions/core";
import { createHash } from "node:crypto";
import { join } from "node:path";
import { accessDiff, type DiffResult } from "../../src/access/diff.js";
import { diffJson } from "../../src/access/report.js";
import { git } from "../../src/git/exec.js";
import { resolveCommit, workTreeTop, type Repo } from "../../src/git/repo.js";
import { isSecretsError } from "../../src/errors.js";
import { pullRequestOfEvent } from "./event.js";
import { requireFileCommand } from "./export.js";
import { ActionFailure } from "./failure.js";
import { GitHubApiError, upsertComment } from "./github-comment.js";
import type { Inputs } from "./inputs.js";
import { say, warn } from "./log.js";
import { reviewMarkdown } from "./review-report.js";
import { counted, safe, type SafeText } from "./safe-text.js";
import { workingRoot } from "./workspace.js";

/**
 * `mode: policy-review`, for pull_request workflows: `secrets policy diff` between the pull request's
 * base and head. The Markdown goes to the job summary and, with a github-token, into one comment on
 * the pull request (created when there are changes, updated on every later run); the changes are the
 * `access-changes` output (JSON, the shape of `secrets policy diff --format json`).
 *
 * The base is the merge base of the two commits, so that changes merged into the base branch after
 * the pull request was opened are not shown as the pull request undoing them. Both commits must be
 * in the checkout: `actions/checkout` with `fetch-depth: 0`.
 */

const gitFailure = () => new ActionFailure(safe`policy-review: the base or head commit is not in the checkout (use actions/checkout with fetch-depth: 0)`);

async function mergeBase(repo: Repo, base: string, head: string): Promise<string> {
  try {
    const r = await git(["merge-base", base, head], { cwd: repo.top, okCodes: [0, 1] });
    const id = r.stdout.toString("utf8").trim();
    return r.code === 0 && id ? id : base;
  } catch {
    return base;
  }
}

/** The hidden first line that identifies this Action's comment (one per working directory). */
function markerFor(workingDirectory: string): SafeText {
  const key = createHash("sha256").update(workingDirectory).digest("hex").slice(0, 12);
  return safe`<!-- gitops-secrets:policy-review:${key as SafeText} -->`;
}

export async function reviewMode(inputs: Inputs): Promise<void> {
  requireFileCommand("GITHUB_OUTPUT");
  const { root, secrets } = workingRoot(inputs);
  const pr = pullRequestOfEvent(process.env.GITHUB_EVENT_PATH);
  const base = inputs.base || pr?.base;
  const head = inputs.head || pr?.head;
  if (!base || !head) throw new ActionFailure(safe`policy-review needs a pull_request event, or the base and head inputs`);

  const top = await workTreeTop(root);
  if (!top) throw new ActionFailure(safe`policy-review needs a git checkout (actions/checkout with fetch-depth: 0)`);
  const repo: Repo = { top };
  // The .sops.yaml's place in the repository, read at both commits; it need not exist in the checkout.
  const configPath = (await secrets.configPath()) ?? join(root, ".sops.yaml");
  let result: DiffResult;
  try {
    await Promise.all([resolveCommit(repo, base), resolveCommit(repo, head)]);
    result = await accessDiff({ configPath, base: await mergeBase(repo, base, head), head });
  } catch (e) {
    if (!isSecretsError(e)) throw e;
    if (e.kind === "usage") throw gitFailure();
    if (e.kind === "config") throw new ActionFailure(safe`policy-review: .sops.yaml is invalid at the base or the head commit (run secrets verify on both)`);
    throw new ActionFailure(safe`policy-review: git failed while comparing the base and head commits`);
  }

  const marker = markerFor(inputs["working-directory"]);
  const markdown = reviewMarkdown(result, marker);
  core.setOutput("access-changes", JSON.stringify(diffJson(result)));
  if (process.env.GITHUB_STEP_SUMMARY) await core.summary.addRaw(markdown, true).write();
  const gained = result.changes.filter((c) => c.change === "gained").length;
  say(safe`policy-review: ${counted(gained, safe`access gained`, safe`accesses gained`)}, ${result.changes.length - gained} lost; see the job summary.`);

  const token = inputs["github-token"];
  if (token === "") return;
  if (!pr) {
    warn(safe`policy-review: no pull request in the event, so no comment was written`);
    return;
  }
  try {
    const done = await upsertComment(
      { apiUrl: process.env.GITHUB_API_URL || "https://api.github.com", repository: process.env.GITHUB_REPOSITORY ?? "", issueNumber: pr.number, token },
      marker,
      markdown,
      result.changes.length > 0,
    );
    if (done === "created") say(safe`policy-review: commented on pull request #${pr.number}.`);
    if (done === "updated") say(safe`policy-review: updated the comment on pull request #${pr.number}.`);
  } catch (e) {
    if (!(e instanceof GitHubApiError)) throw e;
    // The review itself is done (summary, output); a comment the token may not write is not worth a red build.
    const hint = e.status === 403 || e.status === 404 ? safe` (the token needs pull-requests: write; pull requests from forks get a read-only token)` : safe``;
    warn(e.status === 0 ? safe`policy-review: could not reach the GitHub API to write the comment` : safe`policy-review: could not write the pull-request comment (HTTP ${e.status})${hint}`);
  }
}
