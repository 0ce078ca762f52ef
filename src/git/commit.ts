import { SecretsError } from "../errors.js";
import { git } from "./exec.js";

/**
 * Stages `paths` (relative to `top`, the work tree's top level) and commits exactly them with
 * `message`; returns the new commit's id. Kind `usage` when `paths` is empty.
 */
export async function commitPaths(top: string, paths: readonly string[], message: string): Promise<string> {
  if (paths.length === 0) throw new SecretsError("usage", "nothing to commit");
  await git(["add", "--", ...paths], { cwd: top });
  await git(["commit", "-q", "-m", message, "--", ...paths], { cwd: top });
  return (await git(["rev-parse", "HEAD"], { cwd: top })).stdout.toString("utf8").trim();
}
