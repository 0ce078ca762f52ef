import { SecretsError } from "../errors.js";
import { git } from "./exec.js";

/**
 * Stages `paths` (relative to `top`, the work tree's top level) and commits exactly them with
 * `message`; returns the new commit's id. Kind `usage` when `paths` is empty. `env` is git's whole
 * environment (default: this process's), e.g. to set `GIT_AUTHOR_NAME` for one commit.
 */
export async function commitPaths(top: string, paths: readonly string[], message: string, opts: { env?: NodeJS.ProcessEnv } = {}): Promise<string> {
  if (paths.length === 0) throw new SecretsError("usage", "nothing to commit");
  const run = { cwd: top, ...(opts.env ? { env: opts.env } : {}) };
  await git(["add", "--", ...paths], run);
  await git(["commit", "-q", "-m", message, "--", ...paths], run);
  return (await git(["rev-parse", "HEAD"], run)).stdout.toString("utf8").trim();
}
