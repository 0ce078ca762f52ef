import path from "node:path";
import { SecretsError } from "../errors.js";
import { git, gitText, type GitLauncher } from "./exec.js";

/** Where we are in a work tree: its top level, and paths relative to it (git's own form, `/`-separated). */

export interface Repo {
  /** Absolute path of the work tree's top level. */
  top: string;
  /** Who starts the git processes run for this repository (default: this process; a server passes git/launcher-process.ts's). */
  via?: GitLauncher;
}

/** git options for a command run in `repo`: its top level, and its launcher when it has one. */
export function inRepo(repo: Repo): { cwd: string; via?: GitLauncher } {
  return repo.via ? { cwd: repo.top, via: repo.via } : { cwd: repo.top };
}

/** The top level of the work tree holding `dir`, or null outside of one; throws when git cannot run. */
async function topLevel(dir: string): Promise<string | null> {
  const r = await git(["rev-parse", "--show-toplevel"], { cwd: dir, okCodes: [0, 128] });
  const top = r.stdout.toString("utf8").trim();
  return r.code === 0 && top ? top : null;
}

/** The repository containing `cwd`; kind `usage` outside of one. */
export async function openRepo(cwd: string = process.cwd()): Promise<Repo> {
  const top = await topLevel(cwd);
  if (!top) throw new SecretsError("usage", "not inside a git work tree");
  return { top };
}

/**
 * The top level of the work tree holding `dir`, or null when `dir` is not in one or git cannot be
 * run: for callers that work without git (they walk the directory instead).
 */
export async function workTreeTop(dir: string): Promise<string | null> {
  try {
    return await topLevel(dir);
  } catch {
    return null;
  }
}

/** `file` (relative to `cwd`, or absolute) as a path relative to the top level, `/`-separated. */
export function repoPath(repo: Repo, file: string, cwd: string = process.cwd()): string {
  const rel = path.relative(repo.top, path.resolve(cwd, file));
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new SecretsError("usage", `${file} is outside the repository`);
  }
  return rel.split(path.sep).join("/");
}

/**
 * The id of the object `name` names (`<rev>`, `<rev>:<path>`, `:<path>` for the index's stage 0), or
 * null when it names none. The name is one argument, so any path (a newline included) can be asked for.
 */
export async function objectId(repo: Repo, name: string): Promise<string | null> {
  const r = await git(["rev-parse", "--verify", "--quiet", "--end-of-options", name], { ...inRepo(repo), okCodes: [0, 1, 128] });
  const id = r.stdout.toString("utf8").trim();
  return r.code === 0 && id ? id : null;
}

/** The full commit id a revision names; kind `usage` when it names none. */
export async function resolveCommit(repo: Repo, rev: string): Promise<string> {
  if (rev.startsWith("-")) throw new SecretsError("usage", `invalid revision "${rev}"`);
  const id = await objectId(repo, `${rev}^{commit}`);
  if (!id) throw new SecretsError("usage", `unknown revision "${rev}"`);
  return id;
}

/** An absolute path inside `.git` (`git rev-parse --git-path`), e.g. the hooks directory. */
export async function gitPath(repo: Repo, name: string): Promise<string> {
  const p = (await gitText(["rev-parse", "--git-path", name], { cwd: repo.top })).trim();
  return path.resolve(repo.top, p);
}
