import path from "node:path";
import { lookupConfig } from "../policy/discover.js";

/**
 * Where the secrets root (the folder secret paths are relative to) is:
 * 1. the explicit `root` (SDK option, `--root`), relative to `cwd`;
 * 2. else `$SECRETS_ROOT`, relative to `cwd`;
 * 3. else `secrets/` next to the `.sops.yaml` that governs `cwd` (found like sops finds it), so that
 *    commands work from any subfolder of the repository;
 * 4. else `secrets/` in `cwd`.
 */
export const DEFAULT_ROOT_NAME = "secrets";

export function resolveRoot(opts: { root?: string; cwd?: string; env?: Record<string, string | undefined> } = {}): string {
  const cwd = opts.cwd ?? process.cwd();
  const env = opts.env ?? process.env;
  const explicit = opts.root ?? env.SECRETS_ROOT;
  if (explicit !== undefined && explicit !== "") return path.resolve(cwd, explicit);
  const config = lookupConfig(cwd, env).path;
  return path.join(config ? path.dirname(config) : path.resolve(cwd), DEFAULT_ROOT_NAME);
}
