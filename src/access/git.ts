import { SecretsError } from "../errors.js";
import { git } from "../git/exec.js";

/**
 * The git plumbing the access commands need: the work tree's files, files at a revision, blob
 * contents through one `git cat-file --batch` process, and a commit of given paths.
 *
 * It spawns the `git` binary directly rather than going through simple-git: reading 2,000 blobs must
 * be one process with a streamed stdin/stdout, and every call here is one short plumbing command.
 * Failures are SecretsError kind `generic` with git's first stderr line, which names revisions and
 * paths, never file contents.
 */

/** Runs git (the project's one runner, src/git/exec.ts). */
export const runGit = git;

function splitZ(buf: Buffer): string[] {
  return buf.toString("utf8").split("\0").filter((s) => s !== "");
}

/** The top level of the work tree holding `dir`, or null when `dir` is not in one. */
export async function workTreeTop(dir: string): Promise<string | null> {
  try {
    const r = await runGit(["rev-parse", "--show-toplevel"], { cwd: dir, okCodes: [0, 128] });
    const top = r.stdout.toString("utf8").trim();
    return r.code === 0 && top ? top : null;
  } catch {
    // No git binary: the caller walks the directory instead.
    return null;
  }
}

/**
 * Files below `dir` that git tracks, plus untracked files that are not ignored, as `/`-separated
 * paths relative to `dir`. Tracked files deleted from the work tree are left out.
 */
export async function workTreeFiles(dir: string): Promise<string[]> {
  const [listed, deleted] = await Promise.all([
    runGit(["-c", "core.quotePath=off", "ls-files", "-z", "--cached", "--others", "--exclude-standard", "--", "."], { cwd: dir }),
    runGit(["-c", "core.quotePath=off", "ls-files", "-z", "--deleted", "--", "."], { cwd: dir }),
  ]);
  const gone = new Set(splitZ(deleted.stdout));
  return [...new Set(splitZ(listed.stdout))].filter((f) => !gone.has(f));
}

/** The full commit id `rev` names; kind `usage` when it names none. */
export async function resolveCommit(cwd: string, rev: string): Promise<string> {
  if (rev.startsWith("-")) throw new SecretsError("usage", `invalid revision "${rev}"`);
  const r = await runGit(["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`], { cwd, okCodes: [0, 1, 128] });
  const id = r.stdout.toString("utf8").trim();
  if (r.code !== 0 || !id) throw new SecretsError("usage", `unknown revision "${rev}"`);
  return id;
}

export interface TreeEntry {
  /** Path relative to the top level, `/`-separated. */
  path: string;
  oid: string;
}

/** The blobs of a commit's tree below `prefix` (a top-level-relative directory, "" for all). */
export async function treeFiles(top: string, commit: string, prefix: string): Promise<TreeEntry[]> {
  const args = ["-c", "core.quotePath=off", "ls-tree", "-r", "-z", "--full-tree", commit];
  if (prefix) args.push("--", prefix);
  const r = await runGit(args, { cwd: top });
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
 * The contents of many objects (`<oid>` or `<rev>:<path>`) through a single `git cat-file --batch`.
 * Missing objects map to null.
 */
export async function readObjects(top: string, names: readonly string[]): Promise<Map<string, Buffer | null>> {
  const result = new Map<string, Buffer | null>();
  if (names.length === 0) return result;
  const r = await runGit(["cat-file", "--batch"], { cwd: top, input: names.map((n) => n + "\n").join("") });
  const buf = r.stdout;
  let pos = 0;
  for (const name of names) {
    const nl = buf.indexOf(10, pos);
    if (nl < 0) throw new SecretsError("generic", "git cat-file: truncated output");
    const header = buf.subarray(pos, nl).toString("utf8");
    pos = nl + 1;
    if (header.endsWith(" missing") || header.endsWith(" ambiguous")) {
      result.set(name, null);
      continue;
    }
    const size = Number(header.slice(header.lastIndexOf(" ") + 1));
    if (!Number.isInteger(size)) throw new SecretsError("generic", "git cat-file: unexpected output");
    result.set(name, buf.subarray(pos, pos + size));
    pos += size + 1;
  }
  return result;
}

/**
 * Files that differ between `base` and `head` (a commit, or null for the work tree and untracked
 * files), below `prefix`, as top-level-relative paths. Renames count as a deletion and an addition.
 */
export async function changedFiles(top: string, base: string, head: string | null, prefix: string): Promise<Set<string>> {
  const spec = prefix ? ["--", prefix] : [];
  const diffArgs = ["-c", "core.quotePath=off", "diff", "--name-only", "-z", "--no-renames", "--no-ext-diff", "--no-textconv", base];
  if (head) diffArgs.push(head);
  const jobs = [runGit([...diffArgs, ...spec], { cwd: top })];
  if (!head) jobs.push(runGit(["-c", "core.quotePath=off", "ls-files", "-z", "--others", "--exclude-standard", "--full-name", ...(prefix ? ["--", prefix] : [])], { cwd: top }));
  const results = await Promise.all(jobs);
  return new Set(results.flatMap((r) => splitZ(r.stdout)));
}

/** Stages `paths` (relative to `top`) and commits exactly them with `message`. */
export async function commitPaths(top: string, paths: readonly string[], message: string): Promise<string> {
  if (paths.length === 0) throw new SecretsError("usage", "nothing to commit");
  await runGit(["add", "--", ...paths], { cwd: top });
  await runGit(["commit", "-q", "-m", message, "--", ...paths], { cwd: top });
  return (await runGit(["rev-parse", "HEAD"], { cwd: top })).stdout.toString("utf8").trim();
}
