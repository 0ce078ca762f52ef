import { git } from "./exec.js";
import type { Repo } from "./repo.js";

/**
 * Which files a work tree or a commit holds, and which differ between two of them: lists of paths
 * only (contents are read with catFileBatch). Paths are git's own, unquoted and `/`-separated.
 */

function splitZ(buf: Buffer): string[] {
  return buf.toString("utf8").split("\0").filter((s) => s !== "");
}

/**
 * Files below `dir` that git tracks, plus untracked files that are not ignored, as `/`-separated
 * paths relative to `dir`. Tracked files deleted from the work tree are left out.
 */
export async function workTreeFiles(dir: string): Promise<string[]> {
  const [listed, deleted] = await Promise.all([
    git(["-c", "core.quotePath=off", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."], { cwd: dir }),
    git(["-c", "core.quotePath=off", "ls-files", "-z", "--deleted", "--", "."], { cwd: dir }),
  ]);
  const gone = new Set(splitZ(deleted.stdout));
  return [...new Set(splitZ(listed.stdout))].filter((f) => !gone.has(f));
}

export interface TreeEntry {
  /** Path relative to the top level, `/`-separated. */
  path: string;
  oid: string;
}

/** The blobs of a commit's tree below `prefix` (a top-level-relative directory, "" for all). */
export async function treeFiles(repo: Repo, commit: string, prefix: string): Promise<TreeEntry[]> {
  const args = ["-c", "core.quotePath=off", "ls-tree", "-r", "-z", "--full-tree", commit];
  if (prefix) args.push("--", prefix);
  const r = await git(args, { cwd: repo.top });
  const out: TreeEntry[] = [];
  for (const line of splitZ(r.stdout)) {
    // `<mode> SP <type> SP <oid> TAB <path>`
    const tab = line.indexOf("\t");
    const [, type, oid] = line.slice(0, tab).split(" ");
    if (type === "blob" && oid) out.push({ path: line.slice(tab + 1), oid });
  }
  return out;
}

/**
 * Files that differ between `base` and `head` (a commit, or null for the work tree and untracked
 * files), below `prefix`, as top-level-relative paths. Renames count as a deletion and an addition.
 */
export async function changedFiles(repo: Repo, base: string, head: string | null, prefix: string): Promise<Set<string>> {
  const spec = prefix ? ["--", prefix] : [];
  const diffArgs = ["-c", "core.quotePath=off", "diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", base];
  if (head) diffArgs.push(head);
  const jobs = [git([...diffArgs, ...spec], { cwd: repo.top })];
  if (!head) jobs.push(git(["-c", "core.quotePath=off", "ls-files", "-z", "--others", "--exclude-standard", "--full-name", ...spec], { cwd: repo.top }));
  const results = await Promise.all(jobs);
  return new Set(results.flatMap((r) => splitZ(r.stdout)));
}
