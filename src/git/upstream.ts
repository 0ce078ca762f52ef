/**
 * Following the current branch's upstream, fast-forward only: what `secrets serve --pull-interval`
 * runs (src/server/pull.ts decides when, and reports). Nothing here merges, rebases or resets:
 * a branch that has commits of its own and the upstream has others (diverged) is left as it is,
 * and so is a work tree whose changes a fast-forward would overwrite (git refuses, and that
 * refusal is the answer).
 */
import { git, gitText } from "./exec.js";
import type { Repo } from "./repo.js";

/** The branch's upstream: `branch.<name>.remote` and `branch.<name>.merge` as git resolves them. */
export interface Upstream {
  /** The checked-out branch, e.g. `main`. */
  branch: string;
  /** The remote to fetch, e.g. `origin`. */
  remote: string;
  /** The remote-tracking ref, e.g. `refs/remotes/origin/main`. */
  ref: string;
  /** As git names it for people, e.g. `origin/main`. */
  name: string;
}

/** The current branch's upstream, or null: a detached HEAD, no upstream, or an upstream that is a local branch (nothing to fetch). */
export async function upstreamOf(repo: Repo): Promise<Upstream | null> {
  const opts = { cwd: repo.top, okCodes: [0, 1, 128] };
  const branch = (await git(["symbolic-ref", "-q", "--short", "HEAD"], opts)).stdout.toString("utf8").trim();
  if (!branch) return null;
  const remote = (await git(["config", "--get", `branch.${branch}.remote`], opts)).stdout.toString("utf8").trim();
  if (!remote || remote === ".") return null;
  const full = await git(["rev-parse", "--symbolic-full-name", "@{upstream}"], opts);
  const ref = full.code === 0 ? full.stdout.toString("utf8").trim() : "";
  if (!ref.startsWith("refs/remotes/")) return null;
  return { branch, remote, ref, name: ref.slice("refs/remotes/".length) };
}

/**
 * `git fetch <remote>`: the remote-tracking refs move, nothing else (no work tree, no index, no
 * local branch). Never prompts (GIT_TERMINAL_PROMPT=0); killed after `timeoutMs`. Kind `generic`
 * with git's first line on failure (git's messages name remotes and refs, never contents); `signal`
 * kills it.
 */
export async function fetchUpstream(repo: Repo, upstream: Upstream, opts: { timeoutMs: number; env?: NodeJS.ProcessEnv; signal?: AbortSignal }): Promise<void> {
  const env = { ...(opts.env ?? process.env), GIT_TERMINAL_PROMPT: "0" };
  await git(["fetch", "--quiet", "--no-tags", "--", upstream.remote], { cwd: repo.top, env, timeoutMs: opts.timeoutMs, ...(opts.signal ? { signal: opts.signal } : {}) });
}

/** Where HEAD stands against the fetched upstream. */
export interface Standing {
  /** Commits on HEAD that the upstream lacks. */
  ahead: number;
  /** Commits on the upstream that HEAD lacks. */
  behind: number;
  /** The upstream's commit id. */
  upstream: string;
  head: string;
}

export async function standingOf(repo: Repo, upstream: Upstream): Promise<Standing> {
  const [head, theirs] = (await gitText(["rev-parse", "HEAD", `${upstream.ref}^{commit}`], { cwd: repo.top })).trim().split("\n");
  const counts = (await gitText(["rev-list", "--left-right", "--count", `${head}...${theirs}`], { cwd: repo.top })).trim().split(/\s+/);
  return { ahead: Number(counts[0]), behind: Number(counts[1]), upstream: theirs!, head: head! };
}

export type FastForward = { ok: true } | { ok: false; reason: string };

/**
 * Moves the branch, the index and the work tree to `commit`, only as a fast-forward
 * (`git merge --ff-only`). When git refuses — local changes or untracked files it would
 * overwrite, or no fast-forward possible — nothing changed, and `reason` is git's first line
 * with the files it names (paths, never contents).
 */
export async function fastForwardTo(repo: Repo, commit: string): Promise<FastForward> {
  const r = await git(["merge", "--ff-only", "--quiet", "--no-edit", commit], { cwd: repo.top, okCodes: [0, 1, 2, 128] });
  if (r.code === 0) return { ok: true };
  const lines = r.stderr.split("\n");
  const first = (lines.map((l) => l.trim()).find((l) => l !== "") ?? `exit status ${r.code}`).replace(/^(fatal|error):\s*/, "");
  const files = lines.filter((l) => l.startsWith("\t")).map((l) => l.trim());
  return { ok: false, reason: files.length ? `${first} ${files.join(", ")}` : first };
}
