import path from "node:path";
import { SecretsError } from "../errors.js";
import { git, gitText } from "./exec.js";

/** Where we are in a work tree: its top level, and paths relative to it (git's own form, `/`-separated). */

export interface Repo {
  /** Absolute path of the work tree's top level. */
  top: string;
}

/** The repository containing `cwd`; kind `usage` outside of one. */
export async function openRepo(cwd: string = process.cwd()): Promise<Repo> {
  const r = await git(["rev-parse", "--show-toplevel"], { cwd, okCodes: [0, 128] });
  const top = r.stdout.toString("utf8").trim();
  if (r.code !== 0 || !top) throw new SecretsError("usage", "not inside a git work tree");
  return { top };
}

/** `file` (relative to `cwd`, or absolute) as a path relative to the top level, `/`-separated. */
export function repoPath(repo: Repo, file: string, cwd: string = process.cwd()): string {
  const rel = path.relative(repo.top, path.resolve(cwd, file));
  if (rel === "" || rel.startsWith("..") || path.isAbsolute(rel)) {
    throw new SecretsError("usage", `${file} is outside the repository`);
  }
  return rel.split(path.sep).join("/");
}

/** The full commit id a revision names; kind `usage` when it names none. */
export async function resolveCommit(repo: Repo, rev: string): Promise<string> {
  if (rev.startsWith("-")) throw new SecretsError("usage", `invalid revision "${rev}"`);
  const r = await git(["rev-parse", "--verify", "--quiet", "--end-of-options", `${rev}^{commit}`], { cwd: repo.top, okCodes: [0, 1, 128] });
  const id = r.stdout.toString("utf8").trim();
  if (r.code !== 0 || !id) throw new SecretsError("usage", `unknown revision "${rev}"`);
  return id;
}

/** An absolute path inside `.git` (`git rev-parse --git-path`), e.g. the hooks directory. */
export async function gitPath(repo: Repo, name: string): Promise<string> {
  const p = (await gitText(["rev-parse", "--git-path", name], { cwd: repo.top })).trim();
  return path.resolve(repo.top, p);
}
